import { describe, expect, it } from 'vitest';
import { MAX_CHARS, MAX_DEPTH, markdownToSafeTree, renderMarkdown, safeHref, treeDepth, type SafeElement, type SafeNode } from '../../../app/markdown/safe-tree.ts';
import { MIN_INTERVAL_MS, nextRenderDelay } from '../../../app/markdown/throttle.ts';
import { safeTreeToDom, type DomLike } from '../../../app/markdown/to-dom.ts';
import { XSS_CORPUS } from './xss-corpus.ts';

const ALLOWED_TAGS = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'blockquote', 'pre', 'code', 'em', 'strong', 'a', 'hr', 'br',
  'div', 'table', 'thead', 'tbody', 'tr', 'th', 'td']);
/** Attributes whose value is a constant of the renderer, never taken from the input. */
const CONSTANT_ATTRS: Record<string, readonly string[]> = {
  class: ['table-scroll'], role: ['region'], tabindex: ['0'], 'aria-label': ['Table'], scope: ['col'], 'data-align': ['left', 'center', 'right'],
};

function elements(nodes: readonly SafeNode[]): SafeElement[] {
  return nodes.flatMap((n) => (typeof n === 'string' ? [] : [n, ...elements(n.children)]));
}

function text(nodes: readonly SafeNode[]): string {
  return nodes.map((n) => (typeof n === 'string' ? n : text(n.children))).join('');
}

/** A recording stand-in for `document`: what the renderer asked for, in order. */
function recordingDom() {
  const calls: string[] = [];
  const doc: DomLike = {
    createElement(tag) {
      calls.push(`element ${tag}`);
      const node = { tag, attrs: {} as Record<string, string>, children: [] as unknown[],
        setAttribute(name: string, value: string) { calls.push(`attr ${name}=${value}`); this.attrs[name] = value; },
        append(...kids: unknown[]) { this.children.push(...kids); } };
      return node;
    },
    createTextNode(t) {
      calls.push('text');
      return { text: t };
    },
  };
  return { doc, calls };
}

describe('markdownToSafeTree', () => {
  it('renders ordinary Markdown: headings, lists, emphasis, code, links', () => {
    const tree = markdownToSafeTree('# Title\n\n- **one** and *two*\n- `code`\n\n3. third\n\n```\nx < y\n```\n\n[site](https://example.org/a?b=1 "T")');
    const tags = elements(tree).map((e) => e.tag);
    expect(tags).toEqual(['h1', 'ul', 'li', 'strong', 'em', 'li', 'code', 'ol', 'li', 'pre', 'code', 'p', 'a']);
    const ol = elements(tree).find((e) => e.tag === 'ol')!;
    expect(ol.attrs).toEqual({ start: '3' });
    const a = elements(tree).find((e) => e.tag === 'a')!;
    expect(a.attrs).toEqual({ href: 'https://example.org/a?b=1', rel: 'noopener noreferrer', title: 'T' });
    expect(text(tree)).toContain('x < y');
  });

  it('keeps only http(s) and mailto hrefs', () => {
    expect(safeHref('https://a.example/')).toBe('https://a.example/');
    expect(safeHref('mailto:x@example.org')).toBe('mailto:x@example.org');
    for (const bad of ['javascript:alert(1)', ' JavaScript:alert(1)', 'jav&#x09;ascript:alert(1)', 'data:text/html,x', 'vbscript:x', '/relative', 'file:///etc/passwd', 'blob:https://a/x']) {
      expect(safeHref(bad), bad).toBeUndefined();
    }
  });

  it('renders every XSS corpus entry with allow-listed tags, safe hrefs and no HTML elements', () => {
    for (const input of XSS_CORPUS) {
      const tree = markdownToSafeTree(input);
      for (const e of elements(tree)) {
        expect(ALLOWED_TAGS.has(e.tag), `${input}: ${e.tag}`).toBe(true);
        for (const [name, value] of Object.entries(e.attrs ?? {})) {
          expect(['href', 'rel', 'title', 'start', ...Object.keys(CONSTANT_ATTRS)], `${input}: ${name}`).toContain(name);
          if (name === 'href') expect(value, input).toMatch(/^(https?|mailto):/);
          if (name in CONSTANT_ATTRS) expect(CONSTANT_ATTRS[name], `${input}: ${name}`).toContain(value);
        }
      }
      // Raw HTML survives only as literal text.
      if (input.startsWith('<')) expect(text(tree)).toContain(input.split('\n')[0].slice(0, 20));
    }
  });

  it('turns a javascript: link into its text and an image into its alt text', () => {
    const tree = markdownToSafeTree('[click me](javascript:alert(1)) ![a cat](https://img.example/cat.png)');
    expect(elements(tree).map((e) => e.tag)).toEqual(['p']);
    expect(text(tree)).toBe('click me [image: a cat]');
  });
});

describe('GFM tables', () => {
  it('become a header row and body rows of text cells, with alignment, in a scrollable region', () => {
    const tree = markdownToSafeTree('| Item | Owner | Due |\n| :--- | :-: | --: |\n| Budget | **Ana** | May 3 |\n| Venue | Dana | |');
    expect(elements(tree).map((e) => e.tag)).toEqual(['div', 'table', 'thead', 'tr', 'th', 'th', 'th', 'tbody', 'tr', 'td', 'td', 'strong', 'td', 'tr', 'td', 'td', 'td']);
    const region = tree[0] as SafeElement;
    expect(region.attrs).toEqual({ class: 'table-scroll', role: 'region', tabindex: '0', 'aria-label': 'Table' });
    const cells = elements(tree).filter((e) => e.tag === 'th' || e.tag === 'td');
    expect(cells.map((c) => text([c]))).toEqual(['Item', 'Owner', 'Due', 'Budget', 'Ana', 'May 3', 'Venue', 'Dana', '']);
    expect(cells.map((c) => c.attrs?.['data-align'])).toEqual(['left', 'center', 'right', 'left', 'center', 'right', 'left', 'center', 'right']);
    expect(cells.slice(0, 3).every((c) => c.attrs?.scope === 'col')).toBe(true);
  });

  it('keep HTML, scripts and unsafe links in cells as text', () => {
    const tree = markdownToSafeTree('| a | b |\n| - | - |\n| <script>window.__xss=1</script> | [x](javascript:alert(1)) <img src=x onerror=alert(1)> |');
    expect(elements(tree).every((e) => ALLOWED_TAGS.has(e.tag))).toBe(true);
    expect(elements(tree).some((e) => e.tag === 'a')).toBe(false);
    expect(text(tree)).toContain('<script>window.__xss=1</script>');
    expect(text(tree)).toContain('<img src=x onerror=alert(1)>');
  });

  it('a header row alone is a table with no body; a pipe line without a delimiter row is a paragraph', () => {
    expect(elements(markdownToSafeTree('| a | b |\n| - | - |')).map((e) => e.tag)).toEqual(['div', 'table', 'thead', 'tr', 'th', 'th']);
    expect(elements(markdownToSafeTree('| a | b |')).map((e) => e.tag)).toEqual(['p']);
  });
});

describe('deep or huge Markdown', () => {
  const deep = (n: number) => `${'>'.repeat(n)} deep`;

  it('nesting up to MAX_DEPTH renders as Markdown; deeper falls back to the plain text, without recursing', () => {
    const ok = renderMarkdown(deep(MAX_DEPTH - 2));
    expect(ok.plain).toBeUndefined();
    expect(elements(ok.nodes).filter((e) => e.tag === 'blockquote')).toHaveLength(MAX_DEPTH - 2);
    for (const n of [MAX_DEPTH + 1, 1500, 3000]) {
      const r = renderMarkdown(deep(n));
      expect(r.plain, String(n)).toBe('too-deep');
      expect(r.nodes).toEqual([deep(n)]);
    }
    const lists = Array.from({ length: 60 }, (_, i) => `${'  '.repeat(i)}- level ${i}`).join('\n');
    expect(renderMarkdown(lists).plain).toBe('too-deep');
    const emphasis = `${'*'.repeat(400)}x${'*'.repeat(400)}`;
    expect(renderMarkdown(emphasis).plain).toBe('too-deep');
  });

  it('the fallback builds as a single text node; a rendered tree stays within the depth cap', () => {
    const { doc, calls } = recordingDom();
    safeTreeToDom(renderMarkdown(deep(1500)).nodes, doc);
    expect(calls).toEqual(['text']);
    const tree = renderMarkdown(`${'> '.repeat(MAX_DEPTH - 2)}- *a* | b\n`).nodes;
    const depth = (nodes: readonly SafeNode[]): number => Math.max(0, ...nodes.map((n) => (typeof n === 'string' ? 0 : 1 + depth(n.children))));
    expect(depth(tree)).toBeLessThanOrEqual(MAX_DEPTH + 1);
  });

  it('text over MAX_CHARS is shown plain without being parsed', () => {
    const huge = 'word '.repeat(MAX_CHARS / 5 + 1);
    expect(renderMarkdown(huge)).toEqual({ nodes: [huge], plain: 'too-long' });
  });

  it('treeDepth walks 100 000 levels without recursion', () => {
    type N = { type: 'blockquote'; children: N[] } | { type: 'root'; children: N[] };
    const root: N = { type: 'root', children: [] };
    let at: N = root;
    for (let i = 0; i < 100_000; i++) { const c: N = { type: 'blockquote', children: [] }; at.children.push(c); at = c; }
    expect(treeDepth(root as never)).toBe(100_000);
  });
});

describe('nextRenderDelay', () => {
  it('renders the first text at once, then at most every MIN_INTERVAL_MS, slower when rendering is slow', () => {
    expect(nextRenderDelay(5_000, undefined, 0)).toBe(0);
    expect(nextRenderDelay(1_010, 1_000, 2)).toBe(MIN_INTERVAL_MS - 10);
    expect(nextRenderDelay(1_000 + MIN_INTERVAL_MS, 1_000, 2)).toBe(0);
    expect(nextRenderDelay(1_000 + MIN_INTERVAL_MS + 50, 1_000, 2)).toBe(0);
    // A render that cost 80 ms waits 240 ms after it ended.
    expect(nextRenderDelay(1_000, 1_000, 80)).toBe(240);
  });
});

describe('safeTreeToDom', () => {
  it('builds with createElement, createTextNode and allow-listed setAttribute only', () => {
    const { doc, calls } = recordingDom();
    const input = XSS_CORPUS.join('\n\n') + '\n\n[ok](https://example.org)';
    const nodes = safeTreeToDom(markdownToSafeTree(input), doc);
    expect(nodes.length).toBeGreaterThan(0);
    const attrs = calls.filter((c) => c.startsWith('attr '));
    expect(attrs).toEqual(['attr href=https://example.org/', 'attr rel=noopener noreferrer']);
    for (const c of calls) expect(c).toMatch(/^(element (p|h[1-6]|ul|ol|li|blockquote|pre|code|em|strong|a|hr|br)|text|attr (href|rel)=)/);
  });
});
