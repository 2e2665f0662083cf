export default function Summarize() {
  return <section aria-labelledby="summarize-title"><h2 id="summarize-title">Summarize</h2><p>Coming in this release.</p></section>;
}
