// The peer in every speed comparison: llama.cpp, through node-llama-cpp's prebuilt binaries, on
// the same GGUF file and the same prompt as the engine. One run prints one JSON line on stdout:
//   { backend, gpu, device, threads, timeToFirstTokenMs, prefillTokensPerSecond, decodeTokensPerSecond }
// or { backend, error }. Plain JavaScript (no bundling) so that it runs beside the node_modules
// that bench/pack-peer.sh carries to a GPU machine, as well as from this repository.
//
//   node bench/llama-peer.mjs --model FILE --prompt-ids 1,2,3 | --prompt-tokens N [--first ID]
//        [--gen-tokens N] [--backend cpu|vulkan|cuda]
//
// Greedy decode after one prefill of the whole prompt; the decode figure counts the tokens after
// the first one, as the engine's `bench` does. A backend whose binary is missing or cannot start
// on this machine gives { error } and exit 0, so a missing peer never hides the engine's figures.
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    'prompt-ids': { type: 'string' },
    'prompt-tokens': { type: 'string', default: '16' },
    first: { type: 'string', default: '-1' },
    'gen-tokens': { type: 'string', default: '16' },
    backend: { type: 'string', default: 'cpu' },
  },
});
const backend = values.backend;
const out = (o) => { process.stdout.write(`${JSON.stringify({ backend, ...o })}\n`); };
if (!values.model || !['cpu', 'vulkan', 'cuda'].includes(backend)) {
  console.error('usage: node bench/llama-peer.mjs --model FILE [--prompt-ids a,b,c | --prompt-tokens N] [--gen-tokens N] [--backend cpu|vulkan|cuda]');
  process.exit(2);
}
const gen = Math.max(1, Number(values['gen-tokens']));

let mod;
try {
  mod = await import('node-llama-cpp');
} catch (e) {
  out({ error: `node-llama-cpp is not installed here (${String(e.message).split('\n')[0]})` });
  process.exit(0);
}
try {
  const llama = await mod.getLlama({
    gpu: backend === 'cpu' ? false : backend,
    build: 'never',
    usePrebuiltBinaries: true,
    progressLogs: false,
    logLevel: mod.LlamaLogLevel.error,
  });
  if (backend !== 'cpu' && llama.gpu !== backend) throw new Error(`llama.cpp started on ${llama.gpu || 'the CPU'}, not ${backend}`);
  // A Vulkan loader with no usable device (or only a CPU one, which llama.cpp skips) still starts
  // the Vulkan build and silently runs on the CPU: that is no GPU figure.
  const device = backend === 'cpu' ? undefined : await llama.getGpuDeviceNames();
  if (device && device.length === 0) throw new Error(`llama.cpp found no ${backend} device on this machine`);
  const model = await llama.loadModel({ modelPath: values.model, gpuLayers: backend === 'cpu' ? 0 : 'max' });
  const prompt = values['prompt-ids']
    ? values['prompt-ids'].split(',').map(Number)
    : defaultPrompt(Number(values['prompt-tokens']), Number(values.first), model.fileInfo.metadata?.tokenizer?.ggml?.tokens?.length ?? 32000);
  const threads = backend === 'cpu' ? cpus().length : 1;
  const context = await model.createContext({ contextSize: prompt.length + gen + 8, batchSize: Math.max(prompt.length, 1), threads, flashAttention: false });
  const sequence = context.getSequence();
  const t0 = performance.now();
  let t1 = t0, n = 0;
  for await (const _token of sequence.evaluate(prompt, { temperature: 0 })) {
    if (n === 0) t1 = performance.now();
    if (++n > gen) break;
  }
  const t2 = performance.now();
  await context.dispose();
  await model.dispose();
  out({
    gpu: llama.gpu || false, device, threads,
    promptTokens: prompt.length, genTokens: gen,
    timeToFirstTokenMs: t1 - t0,
    prefillTokensPerSecond: prompt.length / ((t1 - t0) / 1000),
    decodeTokensPerSecond: gen / ((t2 - t1) / 1000),
  });
  process.exit(0);
} catch (e) {
  out({ error: String(e?.message ?? e).split('\n')[0] });
  process.exit(0);
}

/** The engine's bench prompt (cli/commands/bench.ts benchPrompt), for a run given only a length. */
function defaultPrompt(n, first, nVocab) {
  return Array.from({ length: n }, (_, i) => (i === 0 && first >= 0 ? first : (i * 7919 + 13) % nVocab));
}
