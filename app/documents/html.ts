// The visible text of an HTML file. The file is parsed with DOMParser into an inert document
// (no scripts run, nothing loads) and only text is read out of it; it is never put into the page.
const HIDDEN = 'script, style, noscript, template, iframe, object, embed, svg, math, head, [hidden], [aria-hidden="true"]';
const BLOCKS = new Set(['P', 'DIV', 'LI', 'TR', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'BLOCKQUOTE', 'PRE', 'SECTION', 'ARTICLE', 'HEADER', 'FOOTER', 'TABLE', 'UL', 'OL', 'DL', 'DT', 'DD', 'FIGCAPTION', 'HR']);

export function htmlVisibleText(html: string, parser: DOMParser = new DOMParser()): string {
  // The parsed document is inert (no script runs), but the browser still checks an inline
  // handler attribute against the page's CSP when it is parsed; renamed first, none is seen.
  const doc = parser.parseFromString(renameHandlerAttributes(html), 'text/html');
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

/** Renames `on…=` attributes inside tags to `data-blocked-on…=`; text outside tags is untouched.
 *  A tag starts at `<` + letter and ends at the first `>` outside quotes. */
export function renameHandlerAttributes(html: string): string {
  let out = '';
  let i = 0;
  while (i < html.length) {
    const open = html.indexOf('<', i);
    if (open < 0 || open === html.length - 1) return out + html.slice(i);
    out += html.slice(i, open);
    if (!/[a-zA-Z]/.test(html[open + 1])) {
      out += '<';
      i = open + 1;
      continue;
    }
    let j = open + 1;
    let quote = '';
    let tag = '<';
    for (; j < html.length; j++) {
      const c = html[j];
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '>') break;
      else if (/[\s/]/.test(c) && /^on[a-z]/i.test(html.slice(j + 1, j + 4))) {
        tag += `${c}data-blocked-`;
        continue;
      }
      tag += c;
    }
    out += tag + (j < html.length ? '>' : '');
    i = j + 1;
  }
  return out;
}
