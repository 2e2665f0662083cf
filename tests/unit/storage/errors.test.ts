import { describe, expect, it } from 'vitest';
import { EdgewiseError } from '../../../model/errors.ts';
import { rebuildError, serializeError } from '../../../worker/errors.ts';
import { CATALOG } from '../../../worker/catalog.ts';

describe('errors across the worker boundary', () => {
  it('keep code and message through a structured clone', () => {
    const sent = structuredClone(serializeError(new EdgewiseError('storage-quota', 'needs 1.9 GB, 0.7 GB free')));
    const back = rebuildError(sent);
    expect(back).toBeInstanceOf(EdgewiseError);
    expect(back).toMatchObject({ code: 'storage-quota', message: 'needs 1.9 GB, 0.7 GB free' });
  });
  it('map a browser QuotaExceededError to storage-quota', () => {
    expect(serializeError(new DOMException('full', 'QuotaExceededError')).code).toBe('storage-quota');
  });
  it('leave values that are not serialized errors alone', () => {
    expect(rebuildError({ code: 'nope', message: 'x' })).toEqual({ code: 'nope', message: 'x' });
  });
});

describe('catalog', () => {
  it('lists real Hugging Face GGUF links with unique ids', () => {
    expect(new Set(CATALOG.map((e) => e.id)).size).toBe(CATALOG.length);
    for (const e of CATALOG) expect(e.url).toMatch(/^https:\/\/huggingface\.co\/[^/]+\/[^/]+\/resolve\/main\/[^/]+\.gguf$/);
  });
  it('pins a file only by a well-formed SHA-256', () => {
    for (const e of CATALOG) if (e.sha256 !== undefined) expect(e.sha256, e.id).toMatch(/^[0-9a-f]{64}$/);
  });
  it('marks gemma3 and lfm2 as not supported, with a note, and offers the rest', () => {
    const off = CATALOG.filter((e) => !e.supported);
    expect(off.map((e) => e.architecture).sort()).toEqual(['gemma3', 'lfm2']);
    for (const e of off) expect(e.notes).toBeTruthy();
    expect(CATALOG.find((e) => e.id.startsWith('jamba'))).toMatchObject({ supported: true, minDevice: 'laptop', quant: 'Q4_K_M' });
  });
});
