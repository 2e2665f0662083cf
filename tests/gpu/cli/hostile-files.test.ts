// Hostile GGUF files through the whole CLI (reader → plan → tokenizer → template → runtime on the
// GPU): seeded mutations of two small valid models written with the project's GGUF writer (qwen3
// with key_length ≠ n_embd / n_head, and a granitehybrid with Mamba-2 and attention layers): odd
// and huge hyper-parameters, vocabulary vs embedding rows, out-of-range special ids, giant strings
// and arrays, control characters and huge names, hostile chat templates, NaN weights, truncations
// and byte flips, plus each defect issue #15 reproduced. Every file goes through `inspect`,
// `generate --tokens` and `generate --chat`, and every run must exit 0 or 3, print nothing of its
// own on stderr when it succeeds and exactly one short clean line when it fails (no stack, no
// control character, ≤ 300 characters), within a time limit, and leave no unhandled rejection.
//
// The runs go through the CLI's main() in this process, with one Dawn device and one pipeline
// cache shared across them (as the app's runtime keeps its cache across loads): each model shape
// compiles its pipelines once instead of once per run (~15 s on SwiftShader). A handful of cases
// also run as real child processes of the built CLI.
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../cli/main.ts';
import type { GpuContext } from '../../../gpu/device.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';
import { GgufValueType, type GgufFile, type GgufValue } from '../../../model/gguf/types.ts';
import { writeGguf, type GgufWriteTensor } from '../../../model/gguf/writer.ts';
import { buildCli, ownStderrLines, runCli } from '../../support/cli.ts';
import { Rng, qwen3Model, randomModel } from '../../support/random-model.ts';

vi.mock('../../../gpu/node-gpu.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../gpu/node-gpu.ts')>();
  let shared: Promise<GpuContext> | undefined;
  // The commands destroy the device they acquired; the shared one outlives them.
  const keep = (ctx: GpuContext): GpuContext => ({
    ...ctx,
    device: new Proxy(ctx.device, {
      get: (target, key) => {
        if (key === 'destroy') return () => {};
        const v = Reflect.get(target, key, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    }),
  });
  return { ...real, acquireNodeDevice: () => (shared ??= real.acquireNodeDevice().then(keep)) };
});

vi.mock('../../../gpu/pipelines.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../gpu/pipelines.ts')>();
  const byDevice = new Map<GPUDevice, InstanceType<typeof real.PipelineCache>>();
  class SharedPipelineCache extends real.PipelineCache {
    constructor(device: GPUDevice) {
      super(device);
      const known = byDevice.get(device);
      if (known) return known;
      byDevice.set(device, this);
    }
  }
  return { ...real, PipelineCache: SharedPipelineCache };
});

const SEED = 1506;
const MUTANTS_PER_BASE = 90;
/** A run that refuses its file takes milliseconds; one that loads a new shape compiles for seconds. */
const RUN_LIMIT_MS = 60_000;
const LINE_MAX = 300;
const CHAT = 'Draft an agenda.';

type Base = { name: string; file: GgufFile; tensors: GgufWriteTensor[] };

interface Case {
  readonly label: string;
  /** Bytes to write, or a path already written (the sparse giant-key file). */
  readonly bytes?: Uint8Array;
  readonly path?: string;
  /** What each of inspect / --tokens / --chat must do, when the case knows; else 0 or 3. */
  readonly expect?: Partial<Record<Command, 0 | 3 | RegExp>>;
  /**
   * The context_length the file claims, when the case sets it. llama.cpp runs a model with a longer
   * context than it was trained for, with a warning; so does `generate --ctx 64`: a run that loads
   * a model trained on fewer than 64 tokens succeeds with exactly that warning on stderr.
   */
  readonly trainedContext?: GgufValue;
}

type Command = 'inspect' | 'tokens' | 'chat';

const CTX = 64;
const ARGS: Record<Command, (path: string) => string[]> = {
  inspect: (p) => ['inspect', p],
  tokens: (p) => ['generate', p, '--tokens', '1,2,3', '--max-tokens', '2', '--temperature', '0', '--ctx', String(CTX), '--json'],
  chat: (p) => ['generate', p, '--chat', CHAT, '--max-tokens', '2', '--temperature', '0', '--ctx', String(CTX), '--json'],
};

/** The warning a successful generate prints for a model trained on fewer tokens than --ctx, if it must. */
function contextWarning(c: Case, cmd: Command): RegExp | undefined {
  const n = c.trainedContext;
  if (cmd === 'inspect' || typeof n !== 'number' || !Number.isInteger(n) || n <= 0 || n >= CTX) return undefined;
  return new RegExp(`^edgewise generate: warning: --ctx ${CTX} is longer than the ${n}-token context the model was trained on; output past ${n} tokens may degrade$`);
}

async function baseOf(name: string, bytes: Uint8Array): Promise<Base> {
  const file = await readGguf(memorySource(bytes));
  const tensors = file.tensors.map((t) => ({ name: t.name, dims: t.dims, type: t.type, bytes: bytes.slice(t.offset, t.offset + t.byteSize) }));
  return { name, file, tensors };
}

interface Edit {
  meta?: Record<string, GgufValue | undefined>;
  types?: Record<string, GgufValueType>;
  arrayTypes?: Record<string, GgufValueType>;
  tensors?: (ts: GgufWriteTensor[]) => GgufWriteTensor[];
}

function rewrite(base: Base, edit: Edit): Uint8Array {
  const metadata = new Map(base.file.metadata);
  const metadataTypes = new Map(base.file.metadataTypes);
  const arrayTypes = new Map(base.file.arrayTypes ?? []);
  for (const [k, v] of Object.entries(edit.meta ?? {})) {
    if (v === undefined) {
      metadata.delete(k);
      metadataTypes.delete(k);
      arrayTypes.delete(k);
    } else {
      metadata.set(k, v);
      metadataTypes.delete(k);
      arrayTypes.delete(k);
    }
  }
  for (const [k, t] of Object.entries(edit.types ?? {})) metadataTypes.set(k, t);
  for (const [k, t] of Object.entries(edit.arrayTypes ?? {})) arrayTypes.set(k, t);
  const tensors = edit.tensors ? edit.tensors(base.tensors.map((t) => ({ ...t }))) : base.tensors;
  return writeGguf({ metadata, metadataTypes, arrayTypes, tensors });
}

const ESC = '\x1b';
const HOSTILE_TEMPLATES = [
  '{% for i in range(1000000) %}{{ i }}{% endfor %}',
  '{% for i in range(10**6) %}{% endfor %}',
  '{% for i in range(3000) %}{% for j in range(3000) %}{% endfor %}{% endfor %}',
  '{% for i in range(3000) %}{% for j in range(3000) %}{% set x = i + j %}{% endfor %}{% endfor %}',
  '{% set ns = namespace(s="ab") %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s[:3] }}',
  '{% set ns = namespace(a=[0]) %}{% for i in range(64) %}{% set ns.a = ns.a + ns.a %}{% endfor %}x',
  '{{ range(999999)|map("string")|join(",")|length }}{{ range(999999)|join(",")|length }}',
  `{{ raise_exception("${ESC}[2J${ESC}]0;pwned\\x07 roles must alternate\\n${'x'.repeat(5000)}") }}`,
  '{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}',
  '{% for m in messages %}{{ m.content',
  '{{ messages[0].content + 1 }}',
  '{% if %}',
  '',
  `${'{{ (('.repeat(4000)}1${'))'.repeat(4000)} }}`,
];

function randomTemplate(r: Rng): string {
  const a = r.int(1, 4000), b = r.int(1, 4000);
  switch (r.int(0, 4)) {
    case 0: return `{% for i in range(${a}) %}{% for j in range(${b}) %}{{ '' }}{% endfor %}{% endfor %}{{ messages[0].content }}`;
    case 1: return `{% set ns = namespace(s="${'y'.repeat(r.int(1, 9))}") %}{% for i in range(${r.int(10, 70)}) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}`;
    case 2: return `{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>{% endfor %}{% for i in range(${a * b}) %}{% endfor %}`;
    case 3: return HOSTILE_TEMPLATES[r.int(0, HOSTILE_TEMPLATES.length - 1)];
    default: return `{{ raise_exception("${String.fromCharCode(...Array.from({ length: r.int(1, 400) }, () => r.int(0, 0x2100)))}") }}`;
  }
}

const ODD_NUMBERS: readonly (number | bigint)[] = [0, 1, 2, 3, 5, 7, 15, 17, 1000, 2 ** 31 - 1, 2 ** 32 - 1, -1, 2n ** 63n, NaN, Infinity, -Infinity, 1e-30, 0.5, 2.5];

/** A hostile name: control characters, escapes, bidi overrides, and sometimes hundreds of KB. */
function hostileName(r: Rng): string {
  const pieces = [`${ESC}[31m`, `${ESC}]0;title\x07`, '\r\n', '\u202e', '\0', '"', '\\', 'key', '\u2028', '\ud800'];
  const n = r.pick([3, 20, 70, 1000, 300_000]);
  let s = '';
  while (s.length < n) s += r.pick(pieces);
  return s;
}

function mutate(base: Base, r: Rng, i: number): Case {
  const arch = base.name;
  const meta = base.file.metadata;
  const archKeys = [...meta.keys()].filter((k) => k.startsWith(`${arch}.`));
  const optionalKeys = ['attention.key_length', 'attention.value_length', 'rope.dimension_count', 'vocab_size', 'expert_count',
    'expert_used_count', 'rope.freq_base', 'rope.scaling.factor', 'attention.head_count_kv', 'ssm.group_count'].map((k) => `${arch}.${k}`);
  const label = (what: string) => `${arch} #${i}: ${what}`;
  const kind = r.int(0, 11);
  switch (kind) {
    case 0: case 1: {
      const key = r.pick([...archKeys, ...optionalKeys]);
      const value = r.next() < 0.3 && typeof meta.get(key) === 'number' ? (meta.get(key) as number) * r.pick([2, 0.5, 3]) + r.pick([0, 1, -1]) : r.pick(ODD_NUMBERS);
      const type = typeof value === 'bigint' ? GgufValueType.UINT64 : Number.isInteger(value) && value >= 0 && value < 2 ** 32 ? r.pick([GgufValueType.UINT32, GgufValueType.INT32, GgufValueType.FLOAT32])
        : Number.isInteger(value) && value < 0 ? GgufValueType.INT32 : GgufValueType.FLOAT32;
      return {
        label: label(`${key} = ${String(value)} (type ${type})`), bytes: rewrite(base, { meta: { [key]: value }, types: { [key]: type } }),
        ...(key === `${arch}.context_length` ? { trainedContext: value } : {}),
      };
    }
    case 2: {
      const key = r.pick(archKeys);
      const value: GgufValue = r.pick<GgufValue>(['seven', true, Uint32Array.from([1, 2, 3]), Float32Array.from([NaN]), [hostileName(r)]]);
      return { label: label(`${key} holds ${Array.isArray(value) || ArrayBuffer.isView(value) ? 'an array' : typeof value}`), bytes: rewrite(base, { meta: { [key]: value } }) };
    }
    case 3: {
      const key = r.pick(['tokenizer.ggml.bos_token_id', 'tokenizer.ggml.eos_token_id', 'tokenizer.ggml.unknown_token_id', 'tokenizer.ggml.eot_token_id', 'tokenizer.ggml.padding_token_id']);
      const value = r.pick([512, 513, 100_000, 2 ** 32 - 1, -1, 2 ** 31]);
      return { label: label(`${key} = ${value}`), bytes: rewrite(base, { meta: { [key]: value }, types: { [key]: value < 0 ? GgufValueType.INT32 : GgufValueType.UINT32 } }) };
    }
    case 4: {
      const tokens = meta.get('tokenizer.ggml.tokens') as string[];
      const n = r.pick([1, 2, 10, 300, 511]);
      const cut = (k: string) => (meta.get(k) as { slice(a: number, b: number): GgufValue }).slice(0, n);
      const withSize = r.next() < 0.5;
      return {
        label: label(`vocabulary cut to ${n} tokens over ${tokens.length} embedding rows${withSize ? `, vocab_size ${tokens.length}` : ''}`),
        bytes: rewrite(base, { meta: { 'tokenizer.ggml.tokens': cut('tokenizer.ggml.tokens'), 'tokenizer.ggml.scores': cut('tokenizer.ggml.scores'),
          'tokenizer.ggml.token_type': cut('tokenizer.ggml.token_type'), ...(withSize ? { [`${arch}.vocab_size`]: tokens.length } : {}) } }),
        expect: { tokens: 3, chat: 3 },
      };
    }
    case 5: {
      const key = r.pick(['tokenizer.ggml.model', 'tokenizer.ggml.pre', 'general.architecture', 'general.name', 'tokenizer.ggml.token_type', 'tokenizer.ggml.scores']);
      const value: GgufValue = key.endsWith('token_type') ? Int32Array.from({ length: 512 }, () => r.int(-5, 99))
        : key.endsWith('scores') ? Float32Array.from({ length: r.pick([3, 512]) }, () => r.pick([NaN, Infinity, -1e38, 0]))
          : hostileName(r);
      return { label: label(`${key} replaced`), bytes: rewrite(base, { meta: { [key]: value } }) };
    }
    case 6: {
      const name = hostileName(r);
      const value = r.next() < 0.5 ? hostileName(r) : r.int(0, 9);
      return { label: label(`key named ${JSON.stringify(name.slice(0, 20))}… (${name.length} chars)`), bytes: rewrite(base, { meta: { [name]: value } }) };
    }
    case 7: {
      const which = r.int(0, base.tensors.length - 1);
      const name = r.next() < 0.5 ? `${ESC}[2J${base.tensors[which].name}`.slice(0, 60) : hostileName(r);
      return {
        label: label(`tensor ${base.tensors[which].name} renamed (${name.length} chars)`),
        bytes: rewrite(base, { tensors: (ts) => ts.map((t, k) => (k === which ? { ...t, name } : t)) }),
        expect: { tokens: 3, chat: 3 },
      };
    }
    case 8: {
      const size = r.pick([1 << 20, 3 << 20, 4 * 1024 * 1024 + 1]);
      const huge = r.next() < 0.5;
      const value: GgufValue = huge ? new Uint8Array(size) : 'z'.repeat(size);
      return {
        label: label(`${huge ? `array of ${size} u8` : `string of ${size} bytes`} under general.notes`),
        bytes: rewrite(base, { meta: { 'general.notes': value } }),
        expect: huge && size > 4 * 1024 * 1024 ? { inspect: 3, tokens: 3, chat: 3 } : undefined,
      };
    }
    case 9: {
      const source = randomTemplate(r);
      return {
        label: label(`chat template ${JSON.stringify(source.slice(0, 60))}`),
        bytes: rewrite(base, { meta: { 'tokenizer.chat_template': source } }),
        expect: { inspect: 0, tokens: 0 },
      };
    }
    case 10: {
      // Anywhere before the end of the last tensor's data (the padding after it is not data).
      const end = Math.max(...base.file.tensors.map((t) => t.offset + t.byteSize));
      const cut = r.next() < 0.5 ? r.int(0, base.file.dataOffset) : r.int(base.file.dataOffset, end - 1);
      return { label: label(`truncated at ${cut} of ${end}`), bytes: rewrite(base, {}).slice(0, cut), expect: { inspect: 3, tokens: 3, chat: 3 } };
    }
    default: {
      const bytes = rewrite(base, {});
      if (r.next() < 0.5) {
        // NaN and infinite weights: garbage in, but never a crash.
        const t = r.pick(base.file.tensors.filter((x) => x.type === 0));
        const dv = new DataView(bytes.buffer);
        for (let k = 0; k < 8; k++) dv.setFloat32(t.offset + 4 * r.int(0, t.elements - 1), r.pick([NaN, Infinity, -Infinity, 3e38]), true);
        return { label: label(`NaN/Inf written into ${t.name}`), bytes, expect: { inspect: 0 } };
      }
      const out = bytes.slice();
      for (let k = r.int(1, 4); k > 0; k--) out[r.int(0, base.file.dataOffset - 1)] = r.int(0, 255);
      return { label: label('header bytes flipped'), bytes: out };
    }
  }
}

/** One 600 MB key, written as a sparse file: only its header takes disk space. */
function sparseGiantKey(path: string): void {
  const key = 600 * 1024 * 1024;
  const head = new Uint8Array(24 + 8);
  const v = new DataView(head.buffer);
  head.set([0x47, 0x47, 0x55, 0x46]);
  v.setUint32(4, 3, true);
  v.setBigUint64(8, 0n, true);
  v.setBigUint64(16, 1n, true);
  v.setBigUint64(24, BigInt(key), true);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, head);
    ftruncateSync(fd, head.length + key + 4 + 8 + 1);
  } finally {
    closeSync(fd);
  }
}

interface Outcome { code: number; stdout: string; stderr: string[]; ms: number }

async function runInProcess(args: string[]): Promise<Outcome> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { stdout.push(a.join(' ')); });
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { stderr.push(a.join(' ')); });
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { stdout.push(String(chunk)); return true; });
  const t0 = performance.now();
  try {
    const code = await main(args);
    return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n').split('\n').filter((l) => l !== ''), ms: performance.now() - t0 };
  } finally {
    log.mockRestore();
    error.mockRestore();
    write.mockRestore();
  }
}

/** What is wrong with one run's outcome, if anything. */
function problems(c: Case, cmd: Command, o: Outcome): string[] {
  const out: string[] = [];
  const want = c.expect?.[cmd];
  if (o.code !== 0 && o.code !== 3) out.push(`exit ${o.code}`);
  else if (typeof want === 'number' && o.code !== want) out.push(`exit ${o.code}, expected ${want}`);
  const warning = contextWarning(c, cmd);
  if (o.code === 0 && warning) {
    if (o.stderr.length !== 1 || !warning.test(o.stderr[0])) out.push(`succeeded without exactly the warning ${warning}: ${JSON.stringify(o.stderr).slice(0, 200)}`);
  } else if (o.code === 0 && o.stderr.length > 0) out.push(`succeeded but wrote to stderr: ${o.stderr[0].slice(0, 200)}`);
  if (o.code !== 0) {
    if (o.stderr.length !== 1) out.push(`${o.stderr.length} stderr lines`);
    const line = o.stderr.join('\n');
    const prefix = cmd === 'inspect' ? 'edgewise inspect: ' : 'edgewise generate: ';
    if (!line.startsWith(prefix)) out.push(`stderr does not start with "${prefix}"`);
    if (line.length > LINE_MAX) out.push(`stderr line of ${line.length} characters`);
    if (/[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e]/u.test(line)) out.push('control character on stderr');
    if (/\n\s+at /.test(line) || /\bat .*\.(ts|js|mjs):\d+/.test(line)) out.push('stack trace on stderr');
    if (want instanceof RegExp && !want.test(line)) out.push(`stderr does not match ${want}`);
  }
  if (o.ms > RUN_LIMIT_MS) out.push(`took ${o.ms.toFixed(0)} ms`);
  return out.map((p) => `${c.label} [${cmd}]: ${p}${o.stderr[0] ? ` — ${o.stderr[0].slice(0, 160)}` : ''}`);
}

describe('hostile GGUF files through the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgewise-hostile-'));
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => { rejections.push(reason); };
  let qwen3: Base;
  let hybrid: Base;

  beforeAll(async () => {
    process.on('unhandledRejection', onRejection);
    qwen3 = await baseOf('qwen3', (await qwen3Model(SEED, { nEmbd: 64, nHead: 6, nHeadKv: 2, headDim: 16, nFf: 128, nLayer: 2 }, 4)).bytes);
    hybrid = await baseOf('granitehybrid', (await randomModel('granitehybrid', SEED, 'F32', 4)).bytes);
    await buildCli();
  }, 180_000);

  afterAll(() => {
    process.off('unhandledRejection', onRejection);
    rmSync(dir, { recursive: true, force: true });
  });

  /** The defects issue #15 reproduced, each with the outcome it must now have. */
  function reproduced(): Case[] {
    const tokens = qwen3.file.metadata.get('tokenizer.ggml.tokens') as string[];
    const cut = (k: string) => (qwen3.file.metadata.get(k) as { slice(a: number, b: number): GgufValue }).slice(0, 10);
    const giantKey = join(dir, 'giant-key.gguf');
    sparseGiantKey(giantKey);
    const longName = 'k'.repeat(265_000);
    return [
      { label: 'valid qwen3 with key_length 16 (64 / 6 heads)', bytes: rewrite(qwen3, {}), expect: { inspect: 0, tokens: 0, chat: 0 } },
      { label: 'valid granitehybrid', bytes: rewrite(hybrid, {}), expect: { inspect: 0, tokens: 0, chat: 0 } },
      // Trained on fewer tokens than the chat prompt: runs past it, as llama.cpp does, with a warning.
      ...[qwen3, hybrid].map((base) => ({
        label: `${base.name} context_length 4, below the prompt`, trainedContext: 4,
        bytes: rewrite(base, { meta: { [`${base.name}.context_length`]: 4 }, types: { [`${base.name}.context_length`]: GgufValueType.UINT32 } }),
        expect: { inspect: 0 as const, tokens: 0 as const, chat: 0 as const },
      })),
      {
        label: 'rope.dimension_count 1000', bytes: rewrite(qwen3, { meta: { 'qwen3.rope.dimension_count': 1000 } }),
        expect: { inspect: 0, tokens: /"qwen3.rope.dimension_count" is 1000/, chat: 3 },
      },
      {
        label: '10-token vocabulary over 512 embedding rows (vocab_size 512)',
        bytes: rewrite(qwen3, { meta: { 'qwen3.vocab_size': tokens.length, 'tokenizer.ggml.tokens': cut('tokenizer.ggml.tokens'),
          'tokenizer.ggml.scores': cut('tokenizer.ggml.scores'), 'tokenizer.ggml.token_type': cut('tokenizer.ggml.token_type') } }),
        expect: { tokens: /the tokenizer has 10 tokens/, chat: 3 },
      },
      { label: '600 MB metadata key (sparse file)', path: giantKey, expect: { inspect: /64 MiB/, tokens: 3, chat: 3 } },
      {
        label: '265 KB key name with an ESC sequence, mistyped where the plan reads it',
        bytes: rewrite(qwen3, { meta: { [`${ESC}[2J${longName}`]: 1, 'qwen3.block_count': `${ESC}]0;x\x07${longName}` } }),
        expect: { inspect: 0, tokens: 3, chat: 3 },
      },
      {
        label: 'duplicate-looking tensor name of 300 KB with ESC',
        bytes: rewrite(qwen3, { tensors: (ts) => [...ts, { name: `${ESC}[31m${longName}`, dims: [4], type: 0, bytes: new Uint8Array(16) }] }),
        expect: { inspect: 3, tokens: 3, chat: 3 },
      },
      ...HOSTILE_TEMPLATES.map((source) => ({
        label: `template ${JSON.stringify(source.slice(0, 50))}`,
        bytes: rewrite(qwen3, { meta: { 'tokenizer.chat_template': source } }),
        expect: { inspect: 0 as const, tokens: 0 as const, chat: source === '' ? 0 as const : /^edgewise generate: the model's chat template \(tokenizer.chat_template\) / },
      })),
    ];
  }

  it(`every run of inspect / generate --tokens / generate --chat exits 0 or 3 with one clean line (seed ${SEED})`, async () => {
    const r = new Rng(SEED);
    const cases = [...reproduced(), ...Array.from({ length: MUTANTS_PER_BASE }, (_, i) => mutate(qwen3, r, i)),
      ...Array.from({ length: MUTANTS_PER_BASE }, (_, i) => mutate(hybrid, r, i))];
    const failures: string[] = [];
    const codes = { 0: 0, 3: 0, other: 0 };
    let warned = 0;
    let slowest = { ms: 0, what: '' };
    const t0 = performance.now();
    for (const [i, c] of cases.entries()) {
      const path = c.path ?? join(dir, `case-${i}.gguf`);
      if (c.bytes) writeFileSync(path, c.bytes);
      for (const cmd of ['inspect', 'tokens', 'chat'] as const) {
        const o = await runInProcess(ARGS[cmd](path));
        failures.push(...problems(c, cmd, o));
        codes[o.code === 0 ? 0 : o.code === 3 ? 3 : 'other']++;
        if (o.code === 0 && contextWarning(c, cmd)) warned++;
        if (o.ms > slowest.ms) slowest = { ms: o.ms, what: `${c.label} [${cmd}]` };
      }
      if (c.bytes) rmSync(path);
    }
    console.log(`hostile files: ${cases.length} files, ${3 * cases.length} runs in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
      `exit 0: ${codes[0]} (${warned} with the context warning), exit 3: ${codes[3]}, other: ${codes.other}; slowest ${slowest.ms.toFixed(0)} ms (${slowest.what})`);
    expect(failures.slice(0, 30)).toEqual([]);
    expect(rejections.map(String)).toEqual([]);
    // The mutations must reach both outcomes, or they are not exercising the engine.
    expect(codes[0]).toBeGreaterThan(cases.length / 3);
    expect(codes[3]).toBeGreaterThan(cases.length / 3);
    // The cases below the prompt's length ran, past their trained context, with the warning.
    expect(warned).toBeGreaterThanOrEqual(4);
  }, 600_000);

  it('as child processes: the giant key, rope 1000, a nested-loop template and an ESC-laden name exit 3 with one clean line', async () => {
    const write = (name: string, bytes: Uint8Array) => { const p = join(dir, name); writeFileSync(p, bytes); return p; };
    const giantKey = join(dir, 'giant-key-cli.gguf');
    sparseGiantKey(giantKey);
    const runs: { args: string[]; match: RegExp }[] = [
      { args: ARGS.inspect(giantKey), match: /^edgewise inspect: GGUF metadata\[0\]\.key at byte 24: a string of 629145600 bytes/ },
      { args: ARGS.tokens(write('rope.gguf', rewrite(qwen3, { meta: { 'qwen3.rope.dimension_count': 1000 } }))), match: /"qwen3.rope.dimension_count" is 1000/ },
      {
        args: ARGS.chat(write('loops.gguf', rewrite(qwen3, { meta: { 'tokenizer.chat_template': HOSTILE_TEMPLATES[2] } }))),
        match: /^edgewise generate: the model's chat template \(tokenizer.chat_template\) did not finish within its budget/,
      },
      { args: ARGS.tokens(write('arch.gguf', rewrite(qwen3, { meta: { 'general.architecture': `${ESC}[2J${'q'.repeat(300_000)}` } }))), match: /architecture "\\u001b\[2Jq+…" \(300004 characters\) is not supported/ },
    ];
    const results = await Promise.all(runs.map((run) => runCli(run.args)));
    results.forEach((res, k) => {
      const what = runs[k].args.slice(0, 3).join(' ');
      expect(res.code, `${what}: ${res.stderr}`).toBe(3);
      const lines = ownStderrLines(res.stderr);
      expect(lines, what).toHaveLength(1);
      expect(lines[0], what).toMatch(runs[k].match);
      expect(lines[0].length, what).toBeLessThanOrEqual(LINE_MAX);
      expect(lines[0], what).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
      expect(res.stderr, what).not.toMatch(/UnhandledPromiseRejection|\n\s+at /);
    });
  }, 300_000);
});
