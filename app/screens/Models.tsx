export default function Models() {
  return <section aria-labelledby="models-title"><h2 id="models-title">Models</h2><p>Coming in this release.</p></section>;
}
