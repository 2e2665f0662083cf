import { describe, expect, it } from 'vitest';
import { parseModelLink, quantOfName, splitParts } from '../../../engine/hub-links.ts';

const HF = 'https://huggingface.co';

describe('model links', () => {
  it('turns a Hub page link (/blob/) into its download link (/resolve/)', () => {
    expect(parseModelLink(`${HF}/Qwen/Qwen3-0.6B-GGUF/blob/main/Qwen3-0.6B-Q8_0.gguf`)).toEqual({
      kind: 'file', repo: 'Qwen/Qwen3-0.6B-GGUF', revision: 'main', path: 'Qwen3-0.6B-Q8_0.gguf',
      url: `${HF}/Qwen/Qwen3-0.6B-GGUF/resolve/main/Qwen3-0.6B-Q8_0.gguf`, split: undefined,
    });
  });

  it('keeps a resolve link, drops its query, and reads hf.co and subfolders', () => {
    const l = parseModelLink('https://hf.co/bartowski/X-GGUF/resolve/abc123/sub/dir/X-Q4_K_M.gguf?download=true');
    expect(l).toMatchObject({ kind: 'file', repo: 'bartowski/X-GGUF', revision: 'abc123', path: 'sub/dir/X-Q4_K_M.gguf',
      url: `${HF}/bartowski/X-GGUF/resolve/abc123/sub/dir/X-Q4_K_M.gguf` });
  });

  it('reads a repository link, with and without a revision', () => {
    expect(parseModelLink(`${HF}/ibm-granite/granite-4.0-h-1b-GGUF`)).toEqual({ kind: 'repo', repo: 'ibm-granite/granite-4.0-h-1b-GGUF', revision: 'main' });
    expect(parseModelLink(`${HF}/ibm-granite/granite-4.0-h-1b-GGUF/`)).toEqual({ kind: 'repo', repo: 'ibm-granite/granite-4.0-h-1b-GGUF', revision: 'main' });
    expect(parseModelLink(`${HF}/owner/m-GGUF/tree/v1.0`)).toEqual({ kind: 'repo', repo: 'owner/m-GGUF', revision: 'v1.0' });
    expect(parseModelLink(`${HF}/owner/m-GGUF/tree/refs%2Fpr%2F3`)).toEqual({ kind: 'repo', repo: 'owner/m-GGUF', revision: 'refs/pr/3' });
    expect(parseModelLink(`${HF}/owner/m-GGUF/resolve/refs%2Fpr%2F3/m.gguf`)).toMatchObject({ url: `${HF}/owner/m-GGUF/resolve/refs%2Fpr%2F3/m.gguf` });
  });

  it('lists every part of a split GGUF, in order, from any one of them', () => {
    const l = parseModelLink(`${HF}/o/Big-GGUF/blob/main/Q4_K_M/Big-Q4_K_M-00002-of-00003.gguf`);
    expect(l.kind).toBe('file');
    const split = l.kind === 'file' ? l.split : undefined;
    expect(split).toEqual({ index: 2, count: 3, urls: [1, 2, 3].map((i) => `${HF}/o/Big-GGUF/resolve/main/Q4_K_M/Big-Q4_K_M-0000${i}-of-00003.gguf`) });
    expect(splitParts('https://x.test/a-00001-of-00001.gguf')).toBeUndefined();
    expect(splitParts('https://x.test/a-00004-of-00003.gguf')).toBeUndefined();
    expect(splitParts('https://x.test/a.gguf')).toBeUndefined();
  });

  it('does not take look-alike hosts for the Hub; they stay direct links for the CSP check', () => {
    for (const bad of [
      'https://huggingface.co.evil.test/o/m/blob/main/m.gguf',
      'https://evil.test/huggingface.co/o/m/blob/main/m.gguf',
      'https://huggingface.co@evil.test/o/m/resolve/main/m.gguf',
      'https://huggingface.co:8443/o/m/blob/main/m.gguf',
    ]) {
      const l = parseModelLink(bad);
      expect(l.kind, bad).toBe('direct');
    }
  });

  it('refuses what is no model link, saying why', () => {
    expect(parseModelLink('not a url')).toMatchObject({ kind: 'invalid', problem: expect.stringMatching(/not a web address/) });
    expect(parseModelLink('ftp://huggingface.co/o/m')).toMatchObject({ kind: 'invalid' });
    expect(parseModelLink('javascript:alert(1)')).toMatchObject({ kind: 'invalid' });
    expect(parseModelLink(`${HF}/datasets/o/d`)).toMatchObject({ kind: 'invalid', problem: expect.stringMatching(/dataset/) });
    expect(parseModelLink(`${HF}/o`)).toMatchObject({ kind: 'invalid' });
    expect(parseModelLink(`${HF}/o/m/blob/main/README.md`)).toMatchObject({ kind: 'invalid', problem: expect.stringMatching(/README\.md is not a \.gguf/) });
    expect(parseModelLink(`${HF}/o/m/discussions/4`)).toMatchObject({ kind: 'invalid' });
  });

  it('parses links to an injected Hub origin (the tests\u2019 loopback server) as Hub links', () => {
    const base = 'http://127.0.0.1:4173';
    expect(parseModelLink(`${base}/o/m-GGUF/blob/main/m.gguf`, base)).toMatchObject({ kind: 'file', url: `${base}/o/m-GGUF/resolve/main/m.gguf` });
    expect(parseModelLink(`${base}/o/m-GGUF`, base)).toEqual({ kind: 'repo', repo: 'o/m-GGUF', revision: 'main' });
  });

  it('reads the quantization from a file name', () => {
    expect(quantOfName('Llama-3.2-1B-Instruct-Q4_K_M.gguf')).toBe('Q4_K_M');
    expect(quantOfName('smollm2-360m-instruct-q8_0.gguf')).toBe('Q8_0');
    expect(quantOfName('m-IQ4_XS-00001-of-00002.gguf')).toBe('IQ4_XS');
    expect(quantOfName('m-f16.gguf')).toBe('F16');
    expect(quantOfName('model.gguf')).toBeUndefined();
  });
});

describe('a Hub mounted under a path (the e2e tests\u2019 loopback Hub)', () => {
  const base = 'http://127.0.0.1:4175/hub';
  it('reads links below the mount as Hub links, and other paths of that origin as direct links', () => {
    expect(parseModelLink('http://127.0.0.1:4175/hub/o/m-GGUF', base)).toEqual({ kind: 'repo', repo: 'o/m-GGUF', revision: 'main' });
    expect(parseModelLink('http://127.0.0.1:4175/hub/o/m-GGUF/blob/main/m.gguf', base)).toMatchObject({ kind: 'file', url: 'http://127.0.0.1:4175/hub/o/m-GGUF/resolve/main/m.gguf' });
    expect(parseModelLink('http://127.0.0.1:4175/models/tiny.gguf', base)).toMatchObject({ kind: 'direct', url: 'http://127.0.0.1:4175/models/tiny.gguf' });
    expect(parseModelLink('http://127.0.0.1:4175/hubx/o/m', base).kind).toBe('direct');
  });
});
