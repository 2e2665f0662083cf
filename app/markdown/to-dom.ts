// SafeNode tree → DOM nodes with createElement/createTextNode/setAttribute only: no innerHTML,
// no HTML parsing, so nothing in model output can become markup or script. `doc` is injectable
// so that unit tests can check every call without a DOM implementation.
import type { SafeAttr, SafeNode, SafeTag } from './safe-tree.ts';

export interface DomLike {
  createElement(tag: SafeTag): ElementLike;
  createTextNode(text: string): unknown;
}

export interface ElementLike {
  setAttribute(name: SafeAttr, value: string): void;
  append(...nodes: unknown[]): void;
}

export function safeTreeToDom<N>(nodes: readonly SafeNode[], doc: DomLike): N[] {
  return nodes.map((n) => build(n, doc) as N);
}

function build(node: SafeNode, doc: DomLike): unknown {
  if (typeof node === 'string') return doc.createTextNode(node);
  const element = doc.createElement(node.tag);
  for (const [name, value] of Object.entries(node.attrs ?? {})) {
    if (value !== undefined) element.setAttribute(name as SafeAttr, value);
  }
  element.append(...node.children.map((c) => build(c, doc)));
  return element;
}
