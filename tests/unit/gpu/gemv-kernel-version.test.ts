// Tuned GEMV shapes are cached under GEMV_KERNEL_VERSION (gpu/gemv-tuning-cache.ts): a changed
// kernel must bump it, or every adapter would keep the shapes timed on the old one. This pins the
// version to a hash of the GEMV's WGSL (its includes resolved), so that a shader change fails here
// until both are updated together.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GEMV_KERNEL_VERSION } from '../../../gpu/ops/gemv.ts';
import subgroupSource from '../../../shaders/gemv-subgroups.wgsl';
import source from '../../../shaders/gemv.wgsl';

const PINNED = { version: 2, sha256: '63acd7faf5b8023e' };

describe('GEMV kernel version', () => {
  it('changes with the GEMV shader', () => {
    const sha256 = createHash('sha256').update(source).update('\0').update(subgroupSource).digest('hex').slice(0, 16);
    expect({ version: GEMV_KERNEL_VERSION, sha256 },
      'the GEMV shader changed: bump GEMV_KERNEL_VERSION in gpu/ops/gemv.ts and pin the new version and hash here').toEqual(PINNED);
  });
});
