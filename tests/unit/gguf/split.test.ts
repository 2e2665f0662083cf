// A split GGUF joined back into one: every tensor reads the same bytes as in the unsplit file.
import { describe, expect, it } from 'vitest';
import { EdgewiseError } from '../../../model/errors.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { joinSplitParts, splitCount } from '../../../model/gguf/split.ts';
import { splitGguf } from '../../support/gguf-edit.ts';
import { randomModel } from '../../support/random-model.ts';

async function split(bytes: Uint8Array, n: number) {
  const file = await readGguf(memorySource(bytes));
  const parts = await Promise.all((await splitGguf(bytes, n)).map(async (partBytes) => {
    const source = memorySource(partBytes);
    return { source, file: await readGguf(source) };
  }));
  return { file, parts };
}

describe('split GGUF', () => {
  it('joins the parts so that every tensor reads the bytes it had in the whole file', async () => {
    const { bytes } = await randomModel('llama', 11, 'Q8_0', 8);
    const { file, parts } = await split(bytes, 3);
    expect(parts.map((p) => splitCount(p.file))).toEqual([3, 3, 3]);
    const joined = joinSplitParts(parts, 'm');
    expect(joined.source.size).toBe(parts.reduce((a, p) => a + p.source.size, 0));
    expect(joined.file.metadata.get('general.architecture')).toBe('llama');
    expect(joined.file.tensors.map((t) => t.name)).toEqual(file.tensors.map((t) => t.name));
    for (const t of file.tensors) {
      const j = joined.file.tensors.find((x) => x.name === t.name)!;
      expect(await joined.source.read(j.offset, j.byteSize), t.name).toEqual(bytes.slice(t.offset, t.offset + t.byteSize));
    }
    // A read across a part boundary is stitched from both parts.
    const edge = parts[0].source.size - 5;
    const across = await joined.source.read(edge, 10);
    expect(across.subarray(0, 5)).toEqual(await parts[0].source.read(edge, 5));
    expect(across.subarray(5)).toEqual(await parts[1].source.read(0, 5));
  });

  it('refuses missing, repeated or misordered parts', async () => {
    const { bytes } = await randomModel('llama', 12, 'Q8_0', 8);
    const { parts } = await split(bytes, 2);
    const refusal = (f: () => unknown) => { try { f(); } catch (e) { return e instanceof EdgewiseError ? e.message : String(e); } return 'accepted'; };
    expect(refusal(() => joinSplitParts([parts[0]], 'm'))).toMatch(/split into 2 parts; 1 were given/);
    expect(refusal(() => joinSplitParts([parts[1], parts[0]], 'm'))).toMatch(/part 1 of 2 says it is part 2/);
    expect(refusal(() => joinSplitParts([parts[0], parts[0]], 'm'))).toMatch(/part 2 of 2 says it is part 1/);
  });
});
