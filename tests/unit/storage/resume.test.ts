import { describe, expect, it } from 'vitest';
import { confirmsSameFile, ifRangeValue, parseContentRange, planBody, validatorsChanged } from '../../../engine/storage/resume.ts';

describe('validatorsChanged', () => {
  const stored = { size: 1000, etag: '"a"', lastModified: 'Mon, 01 Jan 2024 00:00:00 GMT' };
  it('sees no change when size and ETag match', () => {
    expect(validatorsChanged(stored, { size: 1000, etag: '"a"' })).toBeUndefined();
  });
  it('sees a change of ETag, of size, or (without ETags) of Last-Modified', () => {
    expect(validatorsChanged(stored, { size: 1000, etag: '"b"' })).toMatch(/ETag/);
    expect(validatorsChanged(stored, { size: 1001, etag: '"a"' })).toMatch(/size/);
    expect(validatorsChanged({ size: 1, lastModified: 'x' }, { size: 1, lastModified: 'y' })).toMatch(/Last-Modified/);
  });
  it('lets a matching ETag win over a differing Last-Modified', () => {
    expect(validatorsChanged({ size: 1, etag: 'e', lastModified: 'x' }, { size: 1, etag: 'e', lastModified: 'y' })).toBeUndefined();
  });
  it('cannot tell a change when the server gives no validators', () => {
    expect(validatorsChanged({ size: 1000 }, { size: 1000 })).toBeUndefined();
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

describe('If-Range', () => {
  it('resumes with a strong ETag, else Last-Modified, else not at all', () => {
    expect(ifRangeValue({ etag: '"a"', lastModified: 'x' })).toBe('"a"');
    expect(ifRangeValue({ etag: 'W/"a"', lastModified: 'x' })).toBe('x');
    expect(ifRangeValue({ etag: 'W/"a"' })).toBeUndefined();
    expect(ifRangeValue({})).toBeUndefined();
  });
  it('counts a response as the same file only when it repeats that validator', () => {
    expect(confirmsSameFile({ etag: '"a"' }, { etag: '"a"' })).toBe(true);
    expect(confirmsSameFile({ etag: '"a"' }, {})).toBe(false);
    expect(confirmsSameFile({ etag: 'W/"a"', lastModified: 'x' }, { etag: 'W/"a"', lastModified: 'x' })).toBe(true);
    expect(confirmsSameFile({ lastModified: 'x' }, { lastModified: 'y' })).toBe(false);
    expect(confirmsSameFile({}, {})).toBe(false);
  });
  it('never appends past byte 0 a 206 that does not confirm the file', () => {
    const noValidators = { status: 206, contentRange: 'bytes 400-999/1000', contentLength: 600 };
    expect(planBody(400, { size: 1000, etag: '"a"' }, noValidators).kind).toBe('changed');
    expect(planBody(400, { size: 1000 }, noValidators).kind).toBe('changed');
    // From byte 0 nothing is joined, so there is nothing to confirm.
    expect(planBody(0, { size: 1000 }, { ...noValidators, contentRange: 'bytes 0-999/1000' }).kind).toBe('append');
  });
  it('takes the whole body of a 416 past the end as another file', () => {
    expect(planBody(1000, { size: 1000, etag: '"a"' }, { status: 416, contentRange: 'bytes */900', contentLength: 0 }).kind).toBe('changed');
  });
});
