import { describe, expect, it } from 'vitest';
import type { ModelManifest } from '../../../worker/storage/manifest.ts';
import { parseContentRange, planBody, planResume, validatorsChanged } from '../../../worker/storage/resume.ts';

const manifest = (over: Partial<ModelManifest> = {}): ModelManifest => ({
  id: 'm', name: 'm.gguf', source: { kind: 'url', url: 'https://x/m.gguf' }, sizeBytes: 1000,
  validators: { etag: '"a"', lastModified: 'Mon, 01 Jan 2024 00:00:00 GMT' }, chunkSize: 100, chunkCount: 10,
  chunksStored: 4, complete: false, createdAt: 0, updatedAt: 0,
  summary: { architecture: 'llama', hasChatTemplate: false, tensorCount: 1, tensorTypes: ['F32'], dataOffset: 64 },
  ...over,
});

describe('planResume', () => {
  it('starts fresh when nothing is stored', () => {
    expect(planResume(undefined, { size: 1000 })).toEqual({ kind: 'fresh' });
  });
  it('resumes from the first missing chunk when the file is the same', () => {
    expect(planResume(manifest(), { size: 1000, etag: '"a"' })).toEqual({ kind: 'resume', fromChunk: 4 });
  });
  it('is done when the stored model is complete', () => {
    expect(planResume(manifest({ complete: true, chunksStored: 10 }), { size: 1000, etag: '"a"' })).toEqual({ kind: 'complete' });
  });
  it('restarts when the ETag, the size or (without ETags) Last-Modified changed', () => {
    expect(planResume(manifest(), { size: 1000, etag: '"b"' }).kind).toBe('restart');
    expect(planResume(manifest(), { size: 1001, etag: '"a"' }).kind).toBe('restart');
    expect(planResume(manifest({ validators: { lastModified: 'x' } }), { size: 1000, lastModified: 'y' }).kind).toBe('restart');
  });
  it('lets a matching ETag win over a differing Last-Modified', () => {
    expect(validatorsChanged({ size: 1, etag: 'e', lastModified: 'x' }, { size: 1, etag: 'e', lastModified: 'y' })).toBeUndefined();
  });
  it('cannot tell a change when the server gives no validators, and resumes', () => {
    expect(planResume(manifest({ validators: {} }), { size: 1000 })).toEqual({ kind: 'resume', fromChunk: 4 });
  });
});

describe('parseContentRange', () => {
  it('reads start, exclusive end and total', () => {
    expect(parseContentRange('bytes 100-199/1000')).toEqual({ start: 100, end: 200, total: 1000 });
  });
  it('refuses malformed or impossible ranges', () => {
    expect(parseContentRange(null)).toBeUndefined();
    expect(parseContentRange('bytes */1000')).toBeUndefined();
    expect(parseContentRange('bytes 10-2000/1000')).toBeUndefined();
  });
});

describe('planBody', () => {
  const remote = { size: 1000, etag: '"a"' };
  const res = (status: number, contentRange: string | null, etag = '"a"') => ({ status, contentRange, contentLength: undefined, etag });
  it('appends a 206 that starts where we asked', () => {
    expect(planBody(400, remote, res(206, 'bytes 400-999/1000'))).toEqual({ kind: 'append' });
  });
  it('restarts from zero when the server ignores Range (200)', () => {
    expect(planBody(400, remote, res(200, null))).toEqual({ kind: 'from-zero' });
  });
  it('sees a changed file in a 206 or a 200', () => {
    expect(planBody(400, remote, res(206, 'bytes 400-999/1000', '"b"')).kind).toBe('changed');
    expect(planBody(400, remote, res(200, null, '"b"')).kind).toBe('changed');
    expect(planBody(400, remote, res(206, 'bytes 400-1199/1200')).kind).toBe('changed');
  });
  it('refuses a 206 at another offset and an error status', () => {
    expect(planBody(400, remote, res(206, 'bytes 0-999/1000')).kind).toBe('bad');
    expect(planBody(400, remote, res(503, null)).kind).toBe('bad');
  });
});
