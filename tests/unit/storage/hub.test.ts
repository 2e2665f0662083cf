// The Hub's tree listing as the Models screen uses it; the Hub itself is never contacted (the
// fetch is a fake that answers like https://huggingface.co/api/models/<repo>/tree/<rev>).
import { describe, expect, it } from 'vitest';
import { EdgewiseError } from '../../../model/errors.ts';
import { ggufChoices, hubTreeUrl, listHubGgufs } from '../../../engine/storage/hub.ts';

const BASE = 'http://127.0.0.1:9/hub';
const sha = (c: string) => c.repeat(64);
const TREE = [
  { type: 'directory', path: 'Q8_0', size: 0 },
  { type: 'file', path: 'README.md', size: 1200, oid: 'abc' },
  { type: 'file', path: 'm-Q8_0.gguf', size: 135, oid: 'gitoid', lfs: { oid: sha('a'), size: 800_000_000, pointerSize: 135 } },
  { type: 'file', path: 'm-Q4_K_M.gguf', size: 135, oid: 'gitoid', lfs: { oid: sha('B'), size: 500_000_000, pointerSize: 135 } },
  { type: 'file', path: 'm-Q2_K.gguf', size: 135, lfs: { oid: sha('c'), size: 300_000_000 } },
  { type: 'file', path: 'big/m-F16-00002-of-00002.gguf', size: 135, lfs: { oid: sha('e'), size: 1_000 } },
  { type: 'file', path: 'big/m-F16-00001-of-00002.gguf', size: 135, lfs: { oid: sha('d'), size: 4_000_000_000 } },
  { type: 'file', path: 'broken/x-Q4_0-00001-of-00003.gguf', size: 135, lfs: { oid: sha('f'), size: 10 } },
];

describe('Hub repository listing', () => {
  it('lists .gguf files with the exact LFS sizes and sha256s, groups split parts, suggests Q4_K_M', () => {
    const choices = ggufChoices(TREE, BASE, 'o/m-GGUF', 'main');
    expect(choices.map((c) => [c.name, c.quant, c.sizeBytes, c.suggested])).toEqual([
      ['m-Q2_K.gguf', 'Q2_K', 300_000_000, false],
      ['m-Q4_K_M.gguf', 'Q4_K_M', 500_000_000, true],
      ['m-Q8_0.gguf', 'Q8_0', 800_000_000, false],
      ['m-F16-00001-of-00002.gguf', 'F16', 4_000_001_000, false],
    ]);
    expect(choices[1].parts).toEqual([{ path: 'm-Q4_K_M.gguf', url: `${BASE}/o/m-GGUF/resolve/main/m-Q4_K_M.gguf`, sizeBytes: 500_000_000, sha256: sha('b') }]);
    expect(choices[3].parts.map((p) => [p.url, p.sha256])).toEqual([
      [`${BASE}/o/m-GGUF/resolve/main/big/m-F16-00001-of-00002.gguf`, sha('d')],
      [`${BASE}/o/m-GGUF/resolve/main/big/m-F16-00002-of-00002.gguf`, sha('e')],
    ]);
  });

  it('suggests the nearest quantization where there is no Q4_K_M', () => {
    const tree = TREE.filter((e) => e.path !== 'm-Q4_K_M.gguf');
    expect(ggufChoices(tree, BASE, 'o/m', 'main').find((c) => c.suggested)?.quant).toBe('Q8_0');
  });

  it('asks the injected Hub for the tree, and says when a repository has no GGUF or is missing', async () => {
    const asked: string[] = [];
    const fetchFn = async (url: string) => {
      asked.push(url);
      if (url.includes('/empty/')) return Response.json([{ type: 'file', path: 'model.safetensors', size: 9 }]);
      if (url.includes('/gone/')) return new Response('{}', { status: 404 });
      return Response.json(TREE);
    };
    const list = await listHubGgufs(fetchFn, BASE, 'o/m-GGUF', 'v1');
    expect(list).toHaveLength(4);
    expect(asked[0]).toBe(hubTreeUrl(BASE, 'o/m-GGUF', 'v1'));
    expect(asked[0]).toBe(`${BASE}/api/models/o/m-GGUF/tree/v1?recursive=true`);
    await expect(listHubGgufs(fetchFn, BASE, 'o/empty', 'main')).rejects.toThrow(/no \.gguf files/);
    const gone = await listHubGgufs(fetchFn, BASE, 'o/gone', 'main').catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(EdgewiseError);
    expect((gone as EdgewiseError).message).toMatch(/not found/);
  });
});
