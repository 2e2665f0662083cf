// Model output → a tree of safe nodes: Markdown parsed by mdast-util-from-markdown (CommonMark,
// no extensions), then only allow-listed elements with allow-listed attributes are produced.
// Raw HTML in the Markdown is kept as literal text; images become their alt text (never a
// remote fetch); a link keeps its href only when it is http(s) or mailto, else it is text.
import { fromMarkdown } from 'mdast-util-from-markdown';
import type { Nodes, Parents } from 'mdast';

export type SafeTag =
  | 'p' | 'h1' | 'h2' | 'h3' | 'h4' | 'h5' | 'h6' | 'ul' | 'ol' | 'li' | 'blockquote'
  | 'pre' | 'code' | 'em' | 'strong' | 'a' | 'hr' | 'br';

/** Attribute names a SafeNode may carry; the DOM builder sets nothing else. */
export type SafeAttr = 'href' | 'rel' | 'title' | 'start';

export interface SafeElement {
  readonly tag: SafeTag;
  readonly attrs?: Partial<Record<SafeAttr, string>>;
  readonly children: readonly SafeNode[];
}

export type SafeNode = string | SafeElement;

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

export function markdownToSafeTree(markdown: string): SafeNode[] {
  return convertChildren(fromMarkdown(markdown));
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
      // Anything else (extensions are not enabled) keeps only its text.
      return 'children' in node ? convertChildren(node as Parents) : 'value' in node ? [String((node as { value: unknown }).value)] : [];
  }
}
