// `edgewise pull` against a loopback Range server (tests/e2e/support/range-server.ts): verified
// bytes under FILE and nothing else, a process killed mid-download resumed by the next run from
// its last stored chunk with If-Range, a wrong --sha256 leaving no FILE, and the exit codes.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PULL_CHUNK_SIZE, pullModel } from '../../../cli/commands/pull.ts';
import { main } from '../../../cli/main.ts';
import { notGguf, tinyModel } from '../../e2e/support/models.ts';
import { RangeServer } from '../../e2e/support/range-server.ts';
import { buildCli, ROOT } from '../../support/cli.ts';
import { splitGguf } from '../../support/gguf-edit.ts';
import { openGguf } from '../../../cli/open-model.ts';
import { readGguf } from '../../../model/gguf/reader.ts';
import { memorySource } from '../../../model/gguf/sources.ts';

const server = new RangeServer();
const dirs: string[] = [];
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  await server.start();
  await buildCli();
});
afterAll(async () => {
  await server.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
afterEach(() => {
  server.releaseStalled();
  server.cutConnections(undefined);
  vi.restoreAllMocks();
});

function outDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'edgewise-pull-'));
  dirs.push(d);
  return d;
}

/** Runs `edgewise …` in this process, capturing what it writes. */
async function edgewise(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => { stdout += String(s); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; });
  vi.spyOn(console, 'error').mockImplementation((...a) => { stderr += `${a.join(' ')}\n`; });
  vi.spyOn(console, 'log').mockImplementation((...a) => { stdout += `${a.join(' ')}\n`; });
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}

describe('edgewise pull', () => {
  it('writes the verified file under FILE, prints its SHA-256, reports progress, leaves nothing beside it', async () => {
    const model = tinyModel({ seed: 41, dataBytes: 2_500_000 });
    const url = server.put('/pull-plain.gguf', model.bytes);
    const dir = outDir();
    const out = join(dir, 'model.gguf');
    const r = await edgewise(['pull', url, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(sha(readFileSync(out))).toBe(model.sha256);
    expect(r.stdout).toBe(`${model.sha256}  ${out}\n`);
    expect(r.stderr).toMatch(/checking the header of model\.gguf/);
    expect(r.stderr).toMatch(/downloading model\.gguf: .* of 2\.\d MB \(100%\)/);
    expect(r.stderr).toMatch(/verified/);
    expect(readdirSync(dir)).toEqual(['model.gguf']);

    // With the right --sha256 too (any case).
    const again = await edgewise(['pull', url, '--out', join(dir, 'pinned.gguf'), '--sha256', model.sha256.toUpperCase()]);
    expect(again.code, again.stderr).toBe(0);
    expect(sha(readFileSync(join(dir, 'pinned.gguf')))).toBe(model.sha256);
  });

  it('a wrong --sha256 leaves no FILE and no partial copy, says so in one line and exits 1', async () => {
    const model = tinyModel({ seed: 42, dataBytes: 1_500_000 });
    const url = server.put('/pull-wrong-sha.gguf', model.bytes);
    const dir = outDir();
    const out = join(dir, 'model.gguf');
    const wrong = sha(new Uint8Array([1, 2, 3]));
    const r = await edgewise(['pull', url, '--out', out, '--sha256', wrong]);
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('edgewise pull:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`arrived with SHA-256 ${model.sha256}, not the expected ${wrong}`);
    expect(r.stdout).toBe('');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a process killed mid-download is resumed by the next run from its last stored chunk, with If-Range', async () => {
    const model = tinyModel({ seed: 43, dataBytes: 5_000_000 });
    const url = server.put('/pull-killed.gguf', model.bytes);
    const dir = outDir();
    const out = join(dir, 'model.gguf');
    const stored = 3;
    server.stallAt = stored * PULL_CHUNK_SIZE + 1000;
    const child = spawn('node', [join(ROOT, 'cli/edgewise.mjs'), 'pull', url, '--out', out], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await vi.waitFor(() => {
        expect(JSON.parse(readFileSync(`${out}.part.json`, 'utf8')).chunksStored).toBe(stored);
      }, { timeout: 60_000, interval: 50 });
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['model.gguf.part', 'model.gguf.part.json']);

    server.releaseStalled();
    const before = server.log.length;
    const r = await edgewise(['pull', url, '--out', out, '--sha256', model.sha256]);
    expect(r.code, r.stderr).toBe(0);
    expect(sha(readFileSync(out))).toBe(model.sha256);
    expect(readdirSync(dir)).toEqual(['model.gguf']);
    const after = server.log.slice(before);
    expect(after[0]).toMatchObject({ status: 206, from: stored * PULL_CHUNK_SIZE, ifRange: server.files.get('/pull-killed.gguf')!.etag });
    // Only the bytes after the stored chunks came again.
    expect(after.reduce((n, x) => n + x.sent, 0)).toBe(model.bytes.length - stored * PULL_CHUNK_SIZE);
  });

  it('connections cut at random points: the same run resumes at chunk boundaries and the bytes are the file', async () => {
    const model = tinyModel({ seed: 44, dataBytes: 3_000_000 });
    const url = server.put('/pull-flaky.gguf', model.bytes);
    server.cutConnections({ seed: 4401, probability: 0.9, maxBytes: 600_000 });
    const out = join(outDir(), 'model.gguf');
    const chunk = 256 * 1024;
    const m = await pullModel(url, out, { chunkSize: chunk, retry: { attempts: 30, baseDelayMs: 1, maxDelayMs: 5 } });
    expect(m.sha256).toBe(model.sha256);
    expect(sha(readFileSync(out))).toBe(model.sha256);
    const body = server.requestsFor('/pull-flaky.gguf').filter((r) => r.range?.endsWith('-'));
    expect(body.filter((r) => r.outcome === 'cut').length).toBeGreaterThanOrEqual(2);
    const resumed = body.filter((x) => x.from > 0);
    expect(resumed.length).toBeGreaterThan(0);
    for (const r of resumed) {
      expect(r.from % chunk).toBe(0);
      expect(r.ifRange).toBe(server.files.get('/pull-flaky.gguf')!.etag);
    }
  });

  it('a stale FILE.part without its sidecar (a run killed before its first chunk) is not taken for data', async () => {
    const model = tinyModel({ seed: 46, dataBytes: 1_200_000 });
    const url = server.put('/pull-stale-part.gguf', model.bytes);
    const dir = outDir();
    const out = join(dir, 'model.gguf');
    writeFileSync(`${out}.part`, new Uint8Array(3_000_000).fill(7));
    const r = await edgewise(['pull', url, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out).byteLength).toBe(model.bytes.length);
    expect(sha(readFileSync(out))).toBe(model.sha256);
    expect(readdirSync(dir)).toEqual(['model.gguf']);
  });

  it('a file that is not a GGUF exits 3 before its body is fetched, and leaves nothing', async () => {
    const url = server.put('/pull-not-a-model.gguf', notGguf(2_000_000));
    const dir = outDir();
    const r = await edgewise(['pull', url, '--out', join(dir, 'x.gguf')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/not a valid GGUF model file/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('bad usage exits 2', async () => {
    const dir = outDir();
    const url = server.put('/pull-usage.gguf', tinyModel({ seed: 45 }).bytes);
    expect((await edgewise(['pull', url])).code).toBe(2);
    expect((await edgewise(['pull', '--out', join(dir, 'a.gguf')])).code).toBe(2);
    expect((await edgewise(['pull', 'ftp://127.0.0.1/a.gguf', '--out', join(dir, 'a.gguf')])).code).toBe(2);
    const badSha = await edgewise(['pull', url, '--out', join(dir, 'a.gguf'), '--sha256', 'abc']);
    expect(badSha.code).toBe(2);
    expect(badSha.stderr).toMatch(/64 hexadecimal digits/);
    expect((await edgewise(['pull', url, '--out', join(dir, 'missing', 'a.gguf')])).code).toBe(2);
    expect((await edgewise(['pull', url, '--out', dir])).code).toBe(2);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a link to one part of a split model pulls every part beside FILE, verified; the commands open them as one model', async () => {
    const whole = tinyModel({ seed: 44, dataBytes: 1_500_000 }).bytes;
    const parts = await splitGguf(whole, 3);
    const urls = parts.map((p, k) => server.put(`/pull-split/m-Q8_0-0000${k + 1}-of-00003.gguf`, p));
    const dir = outDir();
    const r = await edgewise(['pull', urls[1], '--out', join(dir, 'model.gguf')]);
    expect(r.code, r.stderr).toBe(0);
    const names = [1, 2, 3].map((k) => `model-0000${k}-of-00003.gguf`);
    expect(readdirSync(dir).sort()).toEqual(names);
    names.forEach((n, k) => expect(sha(readFileSync(join(dir, n))), n).toBe(sha(parts[k])));
    expect(r.stdout).toBe(names.map((n, k) => `${sha(parts[k])}  ${join(dir, n)}\n`).join(''));

    // Any part's name opens the whole model, every tensor with the unsplit file's bytes.
    const wholeFile = await readGguf(memorySource(whole));
    const opened = await openGguf(join(dir, names[2]));
    try {
      expect(opened.file.tensors.map((t) => t.name)).toEqual(wholeFile.tensors.map((t) => t.name));
      for (const t of wholeFile.tensors) {
        const j = opened.file.tensors.find((x) => x.name === t.name)!;
        expect(await opened.source.read(j.offset, j.byteSize), t.name).toEqual(whole.slice(t.offset, t.offset + t.byteSize));
      }
    } finally {
      await opened.source.close();
    }
    // A part whose siblings are not beside it says so (exit 2, as any missing file).
    rmSync(join(dir, names[1]));
    await expect(openGguf(join(dir, names[0]))).rejects.toThrow(/cannot open .*model-00002-of-00003\.gguf: ENOENT/);

    // --sha256 pins one file; a split model has one per part.
    const pinned = await edgewise(['pull', urls[0], '--out', join(outDir(), 'model.gguf'), '--sha256', sha(parts[0])]);
    expect(pinned.code).toBe(2);
    expect(pinned.stderr).toMatch(/one part of a model split into 3 parts, each with its own SHA-256/);
  });
});
