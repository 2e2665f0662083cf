// The visible text of an HTML file. The file is parsed with DOMParser into an inert document
// (no scripts run, nothing loads) and only text is read out of it; it is never put into the page.
const HIDDEN = 'script, style, noscript, template, iframe, object, embed, svg, math, head, [hidden], [aria-hidden="true"]';
const BLOCKS = new Set(['P', 'DIV', 'LI', 'TR', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'BLOCKQUOTE', 'PRE', 'SECTION', 'ARTICLE', 'HEADER', 'FOOTER', 'TABLE', 'UL', 'OL', 'DL', 'DT', 'DD', 'FIGCAPTION', 'HR']);

export function htmlVisibleText(html: string, parser: DOMParser = new DOMParser()): string {
  const doc = parser.parseFromString(html, 'text/html');
  for (const el of doc.querySelectorAll(HIDDEN)) el.remove();
  const out: string[] = [];
  const walk = (node: Node) => {
    if (node.nodeType === 3) {
      out.push((node.nodeValue ?? '').replace(/\s+/g, ' '));
      return;
    }
    if (node.nodeType !== 1) return;
    const tag = (node as Element).tagName;
    if (tag === 'BR') out.push('\n');
    const block = BLOCKS.has(tag);
    if (block) out.push('\n\n');
    for (const child of node.childNodes) walk(child);
    if (block) out.push('\n\n');
  };
  walk(doc.body ?? doc.documentElement);
  return out.join('').replace(/[ \t]*\n[ \t]*/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}
