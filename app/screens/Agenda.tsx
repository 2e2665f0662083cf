export default function Agenda() {
  return <section aria-labelledby="agenda-title"><h2 id="agenda-title">Agenda</h2><p>Coming in this release.</p></section>;
}
