import { describe, expect, it } from 'vitest';
import { markdownToSafeTree, safeHref, type SafeElement, type SafeNode } from '../../../app/markdown/safe-tree.ts';
import { safeTreeToDom, type DomLike } from '../../../app/markdown/to-dom.ts';
import { XSS_CORPUS } from './xss-corpus.ts';

const ALLOWED_TAGS = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'blockquote', 'pre', 'code', 'em', 'strong', 'a', 'hr', 'br']);

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
          expect(['href', 'rel', 'title', 'start'], `${input}: ${name}`).toContain(name);
          if (name === 'href') expect(value, input).toMatch(/^(https?|mailto):/);
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
