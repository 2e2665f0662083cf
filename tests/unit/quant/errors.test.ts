// Types the engine cannot read are typed 'gguf-unsupported' errors naming the type and tensor.
import { describe, expect, it } from 'vitest';
import { EdgewiseError } from '../../../model/errors.ts';
import { dequantize, dequantizeRows, quantize } from '../../../model/quant/index.ts';
import { GGML_TYPES } from '../../../model/quant/types.ts';

function caught(f: () => unknown): EdgewiseError {
  try { f(); } catch (e) { if (e instanceof EdgewiseError) return e; throw e; }
  throw new Error('expected an EdgewiseError');
}

describe('unsupported types', () => {
  const unsupported = GGML_TYPES.filter((t) => !t.supported);

  it('every type the table marks unsupported is refused by name, with the tensor name', () => {
    expect(unsupported.length).toBeGreaterThan(0);
    for (const t of unsupported) {
      const e = caught(() => dequantize(t.id, new Uint8Array(t.typeSize), t.blockSize, 'blk.3.ffn_up.weight'));
      expect(e.code).toBe('gguf-unsupported');
      expect(e.message).toContain(t.name);
      expect(e.message).toContain('blk.3.ffn_up.weight');
      expect(caught(() => quantize(t.id, new Float32Array(t.blockSize))).message).toContain(t.name);
      expect(caught(() => dequantizeRows(t.id, new Uint8Array(t.typeSize), t.blockSize, 0, 1)).message).toContain(t.name);
    }
  });

  it('an id the table does not know is refused with that id', () => {
    const e = caught(() => dequantize(99, new Uint8Array(4), 1, 'output.weight'));
    expect(e.code).toBe('gguf-unsupported');
    expect(e.message).toMatch(/\b99\b/);
    expect(e.message).toContain('output.weight');
  });

  it('every type the table marks supported decodes', () => {
    for (const t of GGML_TYPES.filter((x) => x.supported)) {
      expect(dequantize(t.id, new Uint8Array(t.typeSize), t.blockSize).length, t.name).toBe(t.blockSize);
    }
  });
});

describe('shape and size checks', () => {
  it('an element count that is not a whole number of blocks is a tensor-shape error', () => {
    expect(caught(() => dequantize(2, new Uint8Array(36), 40, 'w')).code).toBe('tensor-shape');
    expect(caught(() => quantize(2, new Float32Array(33))).code).toBe('tensor-shape');
  });

  it('too few bytes is a gguf-malformed error', () => {
    expect(caught(() => dequantize(2, new Uint8Array(35), 64, 'w')).code).toBe('gguf-malformed');
    expect(caught(() => dequantizeRows(2, new Uint8Array(36), 32, 1, 2)).code).toBe('gguf-malformed');
  });
});
