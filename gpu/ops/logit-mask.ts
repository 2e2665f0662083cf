// Logit mask (shaders/logit-mask.wgsl) for constrained decoding: sets logits to -inf where the
// grammar's vocabulary bitset (model/grammar matcher.allowedTokens()) has a 0. Prepared once; per
// token the host writes the bitset with write() and encodes `dispatch` before the sampler's.
import { bindGroup, uniformBuffer, type Dispatch } from '../dispatch.ts';
import source from '../../shaders/logit-mask.wgsl';
import { checkWithin, grid, opError, packUniform, type OpEnv } from './common.ts';

const WG = 256;

export interface LogitMaskArgs {
  readonly label: string;
  /** (nVocab) f32, masked in place. */
  readonly logits: GPUBuffer;
  readonly nVocab: number;
}

export interface PreparedLogitMask {
  readonly dispatch: Dispatch;
  /** (ceil(nVocab / 32)) u32: bit i = token i allowed. */
  readonly bitset: GPUBuffer;
  readonly words: number;
  /** Uploads the next token's mask (exactly `words` u32); allocates nothing. */
  write(queue: GPUQueue, mask: Uint32Array): void;
}

export async function prepareLogitMask(env: OpEnv, a: LogitMaskArgs): Promise<PreparedLogitMask> {
  const { device } = env.ctx;
  if (!(Number.isInteger(a.nVocab) && a.nVocab > 0)) throw opError(a.label, `vocabulary size ${a.nVocab} must be a positive integer`);
  checkWithin(a.label, 'logits', a.logits, a.nVocab);
  const words = Math.ceil(a.nVocab / 32);
  const bitset = device.createBuffer({ label: `${a.label}/bitset`, size: Math.max(16, words * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const pipeline = await env.pipelines.get({ family: 'logit_mask', source, variant: {}, constants: { WG } });
  const params = uniformBuffer(device, `${a.label}/params`, packUniform(a.label, [['u32', a.nVocab], ['f32', -Infinity], ['u32', 0], ['u32', 0]]));
  return {
    dispatch: {
      label: a.label,
      pipeline,
      bindGroups: [bindGroup(device, pipeline, a.label, [params, a.logits, bitset])],
      workgroups: grid(env, Math.ceil(a.nVocab / WG)),
    },
    bitset,
    words,
    write(queue, mask) {
      if (mask.length !== words) throw opError(a.label, `mask has ${mask.length} words, the vocabulary of ${a.nVocab} needs ${words}`);
      queue.writeBuffer(bitset, 0, mask.buffer, mask.byteOffset, mask.byteLength);
    },
  };
}
