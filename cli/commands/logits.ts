// edgewise logits <model.gguf> --tokens 1,2,3 [--chunk N] --out file.f32
// Runs the tokens through the model on the GPU and writes float32 little-endian logits, one row of
// n_vocab per input position (row i: next-token logits after tokens[0..i]), the layout of the
// fixtures' logits.f32. --chunk is the prefill chunk size, so chunked and one-shot prefill can be
// compared from the command line. The KV cache is f32 here (generate and the app use f16 where the
// GPU has it), as in the fixtures' llama.cpp runs, so the two compare within f32 tolerances.
import { writeFile } from 'node:fs/promises';
import { acquireNodeDevice } from '../../gpu/node-gpu.ts';
import { GpuSession } from '../../gpu/session.ts';
import { planModel } from '../../model/arch/index.ts';
import { UsageError, intList, parse, type CliCommand } from '../args.ts';
import { cliGemvTuning } from '../gemv-tuning.ts';
import { intOption, openGguf } from '../open-model.ts';

export const logits: CliCommand = {
  summary: 'prompt logits of token ids on the GPU, written as float32 rows (n_tokens, n_vocab)',
  usage: 'usage: edgewise logits <model.gguf> --tokens 1,2,3 [--chunk N] --out file.f32\n' +
    '  --chunk N   prefill chunk size in tokens (default 256)',
  async run(argv) {
    const { values, positionals } = parse(argv, { tokens: { type: 'string' }, chunk: { type: 'string' }, out: { type: 'string' } }, 1);
    if (values.tokens === undefined) throw new UsageError('--tokens is required');
    if (values.out === undefined) throw new UsageError('--out is required');
    const tokens = intList(values.tokens, '--tokens');
    if (tokens.length === 0) throw new UsageError('--tokens needs at least one id');
    const chunk = intOption(values.chunk, '--chunk', 256);
    const gemvTuning = cliGemvTuning();
    const { source, file } = await openGguf(positionals[0]);
    try {
      const nVocab = planModel(file).nVocab;
      const bad = tokens.find((t) => t >= nVocab);
      if (bad !== undefined) throw new UsageError(`token ${bad} is outside the vocabulary (0..${nVocab - 1})`);
      const ctx = await acquireNodeDevice();
      const session = await GpuSession.load(ctx, file, source, {
        contextLength: Math.max(2, tokens.length), chunkTokens: chunk, kvF16: false, gemvTuning,
      });
      try {
        const out = await session.evalLogits(tokens);
        // Float32Array is host-endian; every platform Dawn runs on is little-endian.
        await writeFile(values.out, new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
      } finally {
        session.destroy();
        ctx.device.destroy();
      }
      return 0;
    } finally {
      await source.close();
    }
  },
};
