export default function Settings() {
  return <section aria-labelledby="settings-title"><h2 id="settings-title">Settings</h2><p>Coming in this release.</p></section>;
}
