// Property test of the download core against a scripted server: random cut points × file swaps
// with and without validators × a corrupt byte × an ETag that changes on every answer × a kill
// just before completion × 200 on a Range request × quota exhausted at chunk k, on the memory
// store and on the file store of `edgewise pull`. Seeded: a failure names its seed and replays.
// Checked: a complete model holds exactly one served file (the pinned one when pinned), its
// recorded SHA-256 is that of its bytes; every resume sends If-Range; requests stay bounded by
// the faults, not by the file size; a resume after a kill before completion fetches nothing.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../../cli/file-store.ts';
import { seededRandom } from '../../../engine/sampler.ts';
import { EdgewiseError } from '../../../model/errors.ts';
import type { ChunkStore } from '../../../engine/storage/chunk-store.ts';
import { chunkCount } from '../../../engine/storage/chunks.ts';
import { downloadModel, type DownloadContext, type RetryPolicy } from '../../../engine/storage/download.ts';
import { formatBytes } from '../../../engine/storage/format.ts';
import { IntegrityError } from '../../../engine/storage/verify.ts';
import { tinyModel } from '../../e2e/support/models.ts';
import { Killed, MemoryStore, withFaults, type StoreFaults } from './support/memory-store.ts';
import { ScriptedServer, type Fault, type ValidatorKind } from './support/scripted-server.ts';

const CHUNK = 4096;
const RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 0, maxDelayMs: 0, restarts: 3 };
const KINDS: ValidatorKind[] = ['etag', 'last-modified', 'both', 'none', 'weak-etag', 'changing-etag'];
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface Scenario {
  readonly seed: number;
  readonly file: Uint8Array;
  readonly other: Uint8Array;
  readonly validators: ValidatorKind;
  readonly honorsIfRange: boolean;
  readonly pinned: boolean;
  readonly faults: ReadonlyMap<number, Fault>;
  readonly swapAt: number | undefined;
  readonly store: StoreFaults;
}

/** `spliceHunt`: the body request is cut past its first chunk and the file replaced by another
 *  of the same size before the resume, the one case where only validators can tell. */
function scenario(seed: number, spliceHunt = false): Scenario {
  const rnd = seededRandom(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const dataBytes = 12_000 + int(40_000);
  const file = tinyModel({ seed: 1 + int(1000), dataBytes }).bytes;
  // Half the swaps keep the size, so that only validators (or their absence) can tell.
  const other = tinyModel({ seed: 2000 + int(1000), dataBytes: spliceHunt || rnd() < 0.5 ? dataBytes : 12_000 + int(40_000) }).bytes;
  if (spliceHunt) {
    return {
      seed, file, other, validators: KINDS[int(KINDS.length)], honorsIfRange: rnd() < 0.5, pinned: rnd() < 0.3,
      faults: new Map([[1, { cutAfter: CHUNK + int(file.byteLength - 2 * CHUNK) }]]), swapAt: 2, store: {},
    };
  }
  const faults = new Map<number, Fault>();
  let corrupt = false;
  const scripted = int(7);
  for (let r = 0; r < scripted; r++) {
    const roll = rnd();
    if (roll < 0.45) faults.set(r, { cutAfter: int(file.byteLength) });
    else if (roll < 0.6) { faults.set(r, { corruptAt: int(file.byteLength) }); corrupt = true; }
    else if (roll < 0.75) faults.set(r, { ignoreRange: true });
  }
  const n = chunkCount(file.byteLength, CHUNK);
  // Most swaps come right after a cut, before the resume: the moment a splice would happen.
  const cuts = [...faults].filter(([, f]) => f.cutAfter !== undefined).map(([r]) => r);
  const swapAt = rnd() >= 0.45 ? undefined : cuts.length > 0 && rnd() < 0.8 ? cuts[int(cuts.length)] + 1 : 1 + int(5);
  return {
    seed,
    file,
    other,
    validators: KINDS[int(KINDS.length)],
    honorsIfRange: rnd() < 0.7,
    // A flipped byte can only be caught against a pinned hash, so a corrupting server always has one.
    pinned: corrupt || rnd() < 0.4,
    faults,
    swapAt,
    store: {
      quotaAtChunk: rnd() < 0.3 ? int(n) : undefined,
      killAfterChunk: rnd() < 0.4 ? (rnd() < 0.6 ? n - 1 : int(n)) : undefined,
    },
  };
}

async function storedBytes(store: ChunkStore, id: string, size: number, chunks: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  for (let i = 0; i < chunks; i++) out.set((await store.getChunk(id, i))!, i * CHUNK);
  return out;
}

interface Outcome {
  calls: number;
  requests: number;
  /** Most requests one call made. */
  perCall: number;
  complete: boolean;
  kind: ValidatorKind;
  /** What happened on the way, to show that the generator reaches every branch. */
  seen: Set<string>;
}

async function play(s: Scenario, makeStore: () => { store: ChunkStore; read: (id: string) => Promise<Uint8Array | undefined> }): Promise<Outcome> {
  const server = new ScriptedServer(s.file, s.validators, s.honorsIfRange);
  for (const [k, f] of s.faults) server.faults.set(k, f);
  if (s.swapAt !== undefined) server.swaps.set(s.swapAt, s.other);
  const base = makeStore();
  const store = withFaults(base.store, s.store);
  const ctx: DownloadContext = { store, fetch: server.fetch, chunkSize: CHUNK, storage: undefined, retry: RETRY, now: () => 0 };
  const expected = s.pinned ? sha(s.file) : undefined;
  const target = { id: 'model', name: 'model.gguf', url: server.url, sha256: expected };
  const faultsTotal = s.faults.size + (s.swapAt !== undefined ? 1 : 0) + (s.store.quotaAtChunk !== undefined ? 1 : 0) + (s.store.killAfterChunk !== undefined ? 1 : 0);
  const maxCalls = faultsTotal + 2;
  const signal = new AbortController().signal;
  let calls = 0;
  let done = false;
  let killedComplete = false;
  let perCall = 0;
  const seen = new Set<string>();
  const where = `seed ${s.seed}`;

  while (calls < maxCalls && !done) {
    calls++;
    const before = server.log.length;
    const bodyBefore = server.bodyBytes;
    const resumesAfterFullKill = killedComplete;
    killedComplete = false;
    try {
      const m = await downloadModel(ctx, target, signal, () => undefined);
      expect(m.complete, where).toBe(true);
      done = true;
    } catch (e) {
      const m = await store.getManifest(target.id);
      expect(m?.complete ?? false, `${where}: a failed download left a complete model`).toBe(false);
      if (e instanceof Killed) {
        killedComplete = m !== undefined && m.chunksStored === m.chunkCount;
        seen.add(killedComplete ? 'killed before completion' : 'killed mid-way');
      } else {
        seen.add(e instanceof IntegrityError ? 'hash mismatch' : /start over/.test((e as Error).message) ? 'restarts exhausted'
          : /failed attempts/.test((e as Error).message) ? 'attempts exhausted' : `error ${(e as EdgewiseError).code}`);
        expect(e, where).toBeInstanceOf(EdgewiseError);
        const error = e as EdgewiseError;
        expect(error.message, `${where}: one line`).not.toMatch(/\n/);
        if (error.code === 'storage-quota') {
          // Space ran out at chunk k: the message names what is still needed, the partial stays.
          expect(m, where).toBeDefined();
          expect(m!.chunksStored, where).toBe(s.store.quotaAtChunk);
          expect(error.message, where).toContain(`needs ${formatBytes(m!.sizeBytes - m!.chunksStored * CHUNK)} more`);
        }
        if (e instanceof IntegrityError) expect(m, `${where}: a mismatching copy must be discarded`).toBeUndefined();
      }
    }
    perCall = Math.max(perCall, server.log.length - before);
    if (resumesAfterFullKill) {
      seen.add('resumed after a kill before completion');
      // Every chunk was stored before the kill: the resume verifies and fetches nothing.
      expect(server.log.length - before, `${where}: requests after a kill before completion`).toBe(0);
      expect(server.bodyBytes - bodyBefore, where).toBe(0);
    }
  }

  const m = await store.getManifest(target.id);
  const requests = server.log.length;
  for (const r of server.log) {
    if (r.corrupted) seen.add('corrupt byte received');
    if (r.range && r.status === 200 && /^bytes=[1-9]\d*-$/.test(r.range)) seen.add('200 on a resume');
    if (r.status === 206 && r.from > 0 && /^bytes=\d+-$/.test(r.range ?? '')) seen.add('resumed with 206');
  }
  if (s.swapAt !== undefined && s.swapAt < requests) {
    seen.add(`swap with ${s.validators}`);
    const cut = server.log[s.swapAt - 1];
    if (s.faults.get(s.swapAt - 1)?.cutAfter !== undefined && cut.from === 0 && cut.range === 'bytes=0-' && cut.bodyBytes >= CHUNK) {
      seen.add(`swap between a cut and the resume, ${s.validators}`);
    }
  }
  // Every resume (an open-ended Range past byte 0) carries If-Range with the stored validator.
  for (const r of server.log) {
    const from = /^bytes=(\d+)-$/.exec(r.range ?? '');
    if (from && Number(from[1]) > 0) expect(r.ifRange, `${where}: resume without If-Range`).toBeTruthy();
  }
  // Bounded: a fault costs at most two requests (a fresh header read and a body), a call at most
  // one restart cycle per allowed restart; nothing grows with the size of the file.
  const bound = s.validators === 'changing-etag' ? calls * 2 * (RETRY.restarts! + 1) + 2 * faultsTotal : 2 * (calls + faultsTotal);
  expect(requests, `${where}: ${requests} requests`).toBeLessThanOrEqual(bound);

  const complete = done || m?.complete === true;
  if (complete) {
    const final = m ?? (await store.getManifest(target.id));
    const bytes = final ? await storedBytes(store, target.id, final.sizeBytes, final.chunkCount) : await base.read(target.id);
    expect(bytes, where).toBeDefined();
    const got = sha(bytes!);
    if (final) expect(final.sha256, `${where}: the recorded hash is that of the stored bytes`).toBe(got);
    expect(server.served.has(got), `${where}: the stored bytes are one whole served file`).toBe(true);
    if (expected) expect(got, `${where}: pinned`).toBe(expected);
    if (got !== sha(s.file)) seen.add('completed with the swapped-in file');
  } else {
    // Only a server that never keeps one file, or a pin the server no longer matches, may end
    // without a complete model once the scripted faults are spent.
    const pinnedAway = expected !== undefined && sha(server.current) !== expected;
    expect(s.validators === 'changing-etag' || pinnedAway, `${where}: gave up although the faults were spent`).toBe(true);
  }
  return { calls, requests, perCall, complete, kind: s.validators, seen };
}

describe('downloads under random faults', () => {
  it('memory store: 400 seeded scenarios', async () => {
    const outcomes: Outcome[] = [];
    for (let seed = 1; seed <= 400; seed++) {
      const s = scenario(seed);
      outcomes.push(await play(s, () => {
        const store = new MemoryStore();
        return { store, read: async () => undefined };
      }));
    }
    const seen = new Map<string, number>();
    for (const o of outcomes) for (const k of o.seen) seen.set(k, (seen.get(k) ?? 0) + 1);
    // The generator reaches every branch it is meant to.
    for (const k of ['killed before completion', 'resumed after a kill before completion', 'killed mid-way', 'error storage-quota',
      'hash mismatch', 'restarts exhausted', 'corrupt byte received', '200 on a resume', 'resumed with 206',
      'swap with none', 'swap with etag', 'swap with last-modified', 'completed with the swapped-in file']) {
      expect(seen.get(k) ?? 0, k).toBeGreaterThanOrEqual(3);
    }
    expect(outcomes.filter((o) => o.complete).length).toBeGreaterThan(200);
    // An ETag that changes on every answer costs one call a few requests (the report: 1,412).
    const changing = outcomes.filter((o) => o.kind === 'changing-etag');
    expect(changing.length).toBeGreaterThan(20);
    expect(Math.max(...changing.map((o) => o.perCall))).toBeLessThanOrEqual(2 * (RETRY.restarts! + 1) + 2 * 7);
  });

  it('a file swapped between a cut and the resume: 150 seeded scenarios, never a mix of two files', async () => {
    const seen = new Map<string, number>();
    for (let seed = 5001; seed <= 5150; seed++) {
      const o = await play(scenario(seed, true), () => ({ store: new MemoryStore(), read: async () => undefined }));
      for (const k of o.seen) seen.set(k, (seen.get(k) ?? 0) + 1);
    }
    // (An ETag that changes on every answer never lets a body start, so it never reaches a resume.)
    for (const kind of KINDS.filter((k) => k !== 'changing-etag')) {
      expect(seen.get(`swap between a cut and the resume, ${kind}`) ?? 0, kind).toBeGreaterThanOrEqual(10);
    }
    expect(seen.get('completed with the swapped-in file') ?? 0).toBeGreaterThanOrEqual(10);
  });

  const dirs: string[] = [];
  afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

  it('file store (edgewise pull): 60 seeded scenarios', async () => {
    const outcomes: Outcome[] = [];
    for (let seed = 1001; seed <= 1060; seed++) {
      const dir = mkdtempSync(join(tmpdir(), 'edgewise-pull-prop-'));
      dirs.push(dir);
      const out = join(dir, 'model.gguf');
      outcomes.push(await play(scenario(seed), () => {
        const store = new FileStore(out);
        return { store, read: async () => (existsSync(out) ? new Uint8Array(readFileSync(out)) : undefined) };
      }));
    }
    expect(outcomes.filter((o) => o.complete).length).toBeGreaterThan(30);
  });
});
