// The benchmark profiler (gpu/profile.ts): kernel families from dispatch labels, and times that
// come from the clock it names. Times are only checked to be positive and finite: tests never
// assert on speed.
import { describe, expect, it } from 'vitest';
import { kernelFamily, timeKernels, timeList } from '../../gpu/profile.ts';
import { prepareElementwise } from '../../gpu/ops/elementwise.ts';
import { storageBuffer } from './harness.ts';
import { opEnv, randomF32 } from './transformer/env.ts';

describe('profile', () => {
  it('groups dispatch labels into kernel families', () => {
    expect(kernelFamily('blk.12.ffn_down.weight[1]')).toBe('ffn_down.weight');
    expect(kernelFamily('blk.0.attn')).toBe('attn');
    expect(kernelFamily('blk.3.expert7.combine')).toBe('expert.combine');
    expect(kernelFamily('embd')).toBe('embd');
    expect(kernelFamily('output.weight')).toBe('output.weight');
  });

  it('times a list in one pass and splits it per kernel family with the clock it names', async () => {
    const env = await opEnv();
    const { device } = env.ctx;
    const y = storageBuffer(device, 'y', randomF32(4096, 1));
    const b = storageBuffer(device, 'b', randomF32(4096, 2));
    const add = (label: string) => prepareElementwise(env, { label, kind: 'add_inplace', nRows: 4, width: 1024, y: { buffer: y }, b: { buffer: b } });
    const scale = (label: string) => prepareElementwise(env, { label, kind: 'scale_inplace', nRows: 4, width: 1024, y: { buffer: y }, scale: 0.5 });
    const list = (await Promise.all([add('blk.0.residual'), scale('blk.0.scale'), add('blk.1.residual'), scale('blk.1.scale'), add('blk.2.residual')])).flat();

    const whole = await timeList(device, list, 3);
    expect(whole.clock).toBe(device.features.has('timestamp-query') ? 'gpu-timestamps' : 'wall-clock');
    expect(Number.isFinite(whole.seconds) && whole.seconds > 0).toBe(true);
    const wall = await timeList(device, list, 2, false);
    expect(wall.clock).toBe('wall-clock');

    const kernels = await timeKernels(device, list, 2);
    if (!device.features.has('timestamp-query')) {
      expect(kernels).toBeUndefined();
      return;
    }
    expect(kernels!.map((k) => [k.kernel, k.dispatches]).sort()).toEqual([['residual', 3], ['scale', 2]]);
    for (const k of kernels!) expect(Number.isFinite(k.seconds) && k.seconds >= 0).toBe(true);
    y.destroy();
    b.destroy();
  });
});
