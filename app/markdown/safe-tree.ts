// Model output → a tree of safe nodes: Markdown parsed by mdast-util-from-markdown (CommonMark
// plus GFM tables), then only allow-listed elements with allow-listed attributes are produced.
// Raw HTML in the Markdown is kept as literal text; images become their alt text (never a
// remote fetch); a link keeps its href only when it is http(s) or mailto, else it is text.
// Input nested deeper than MAX_DEPTH, or longer than MAX_CHARS, is returned as plain text: the
// converters below recurse once per level, and so would the DOM builder and the browser's layout.
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmTableFromMarkdown } from 'mdast-util-gfm-table';
import { gfmTable } from 'micromark-extension-gfm-table';
import type { Nodes, Parents, Table } from 'mdast';

export type SafeTag =
  | 'p' | 'h1' | 'h2' | 'h3' | 'h4' | 'h5' | 'h6' | 'ul' | 'ol' | 'li' | 'blockquote'
  | 'pre' | 'code' | 'em' | 'strong' | 'a' | 'hr' | 'br'
  | 'div' | 'table' | 'thead' | 'tbody' | 'tr' | 'th' | 'td';

/** Attribute names a SafeNode may carry; the DOM builder sets nothing else. `href` comes from
 *  the model through safeHref; `title` and `start` are inert text; every other value is a
 *  constant written here, never taken from the input. */
export type SafeAttr = 'href' | 'rel' | 'title' | 'start' | 'class' | 'role' | 'tabindex' | 'aria-label' | 'scope' | 'data-align';

export interface SafeElement {
  readonly tag: SafeTag;
  readonly attrs?: Partial<Record<SafeAttr, string>>;
  readonly children: readonly SafeNode[];
}

export type SafeNode = string | SafeElement;

/** Why a text was not rendered as Markdown. */
export type PlainReason = 'too-deep' | 'too-long';

export interface SafeRender {
  readonly nodes: SafeNode[];
  /** Set when `nodes` is the input as one plain-text string. */
  readonly plain?: PlainReason;
}

/** Deepest Markdown nesting rendered as such (blockquotes in lists in blockquotes…). */
export const MAX_DEPTH = 48;
/** Longer text is shown plain: parsing is about 5 µs a character on a slow core, and pathological
 *  inputs (deeply indented lists) are worse than linear. */
export const MAX_CHARS = 200_000;

const LINK_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/** The href to keep, or undefined when the link must be rendered as plain text. */
export function safeHref(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return undefined;
  }
  return LINK_PROTOCOLS.has(parsed.protocol) ? parsed.href : undefined;
}

export function renderMarkdown(markdown: string): SafeRender {
  if (markdown.length > MAX_CHARS) return { nodes: [markdown], plain: 'too-long' };
  const root = fromMarkdown(markdown, { extensions: [gfmTable()], mdastExtensions: [gfmTableFromMarkdown()] });
  if (treeDepth(root) > MAX_DEPTH) return { nodes: [markdown], plain: 'too-deep' };
  return { nodes: convertChildren(root) };
}

/** The safe tree of `markdown` (plain text when it cannot be rendered safely). */
export function markdownToSafeTree(markdown: string): SafeNode[] {
  return renderMarkdown(markdown).nodes;
}

/** Depth of the deepest node below `root`, walked with an explicit stack (no recursion). */
export function treeDepth(root: Nodes): number {
  let max = 0;
  const stack: [Nodes, number][] = [[root, 0]];
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [node, depth] = top;
    if (depth > max) max = depth;
    if ('children' in node) for (const c of node.children) stack.push([c as Nodes, depth + 1]);
  }
  return max;
}

function convertChildren(parent: Parents): SafeNode[] {
  return parent.children.flatMap((c) => convert(c as Nodes));
}

const el = (tag: SafeTag, children: SafeNode[], attrs?: SafeElement['attrs']): SafeElement => (attrs ? { tag, attrs, children } : { tag, children });

function convert(node: Nodes): SafeNode[] {
  switch (node.type) {
    case 'paragraph': return [el('p', convertChildren(node))];
    case 'heading': return [el(`h${node.depth}` as SafeTag, convertChildren(node))];
    case 'thematicBreak': return [el('hr', [])];
    case 'blockquote': return [el('blockquote', convertChildren(node))];
    case 'list': {
      const start = node.ordered && typeof node.start === 'number' && node.start !== 1 ? { start: String(node.start) } : undefined;
      return [el(node.ordered ? 'ol' : 'ul', convertChildren(node), start)];
    }
    case 'listItem': {
      // A tight list item's paragraphs are shown inline, as Markdown renderers do.
      const kids = node.spread ? convertChildren(node) : node.children.flatMap((c) => (c.type === 'paragraph' ? convertChildren(c) : convert(c as Nodes)));
      return [el('li', kids)];
    }
    case 'table': return [table(node)];
    case 'code': return [el('pre', [el('code', [node.value])])];
    case 'inlineCode': return [el('code', [node.value])];
    case 'emphasis': return [el('em', convertChildren(node))];
    case 'strong': return [el('strong', convertChildren(node))];
    case 'break': return [el('br', [])];
    case 'text': return [node.value];
    case 'html': return [node.value];
    case 'link': {
      const href = safeHref(node.url);
      const kids = convertChildren(node);
      if (!href) return kids.length ? kids : [node.url];
      const attrs: SafeElement['attrs'] = { href, rel: 'noopener noreferrer' };
      return [el('a', kids, node.title ? { ...attrs, title: node.title } : attrs)];
    }
    case 'image': return node.alt ? [`[image: ${node.alt}]`] : [];
    case 'imageReference': return node.alt ? [`[image: ${node.alt}]`] : [];
    case 'linkReference': return convertChildren(node);
    case 'definition': return [];
    default:
      // Anything else (no other extension is enabled) keeps only its text.
      return 'children' in node ? convertChildren(node as Parents) : 'value' in node ? [String((node as { value: unknown }).value)] : [];
  }
}

const ALIGN = new Set(['left', 'center', 'right']);

/** A GFM table: the first row is the header; it scrolls sideways inside its own keyboard-focusable
 *  region, so that a wide table never makes the page wider than a phone. */
function table(node: Table): SafeElement {
  const [head, ...body] = node.children;
  const row = (r: Table['children'][number], cell: 'th' | 'td') => el('tr', r.children.map((c, i) => {
    const align = node.align?.[i];
    const attrs: SafeElement['attrs'] = {
      ...(cell === 'th' ? { scope: 'col' } : {}),
      ...(align && ALIGN.has(align) ? { 'data-align': align } : {}),
    };
    return el(cell, convertChildren(c), Object.keys(attrs).length ? attrs : undefined);
  }));
  const parts = [el('thead', head ? [row(head, 'th')] : [])];
  if (body.length) parts.push(el('tbody', body.map((r) => row(r, 'td'))));
  return el('div', [el('table', parts)], { class: 'table-scroll', role: 'region', tabindex: '0', 'aria-label': 'Table' });
}
