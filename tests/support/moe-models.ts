// Random F32 MoE models the shared fixtures do not cover, written by writeGguf for llama.cpp and
// our engine to run side by side: Granite-4.0-H MoE with a shared expert and RoPE
// (rope.scaling.finetuned = true), and a Mixtral-style llama MoE (renormalized top-k weights).
import { F32, ModelBuilder, swigluFfn, type Built } from './random-model.ts';

export const MOE_SEED = 20250501;

export async function graniteMoe(seed: number): Promise<Built> {
  const b = new ModelBuilder(seed);
  await b.vocabulary();
  const [nEmbd, nLayer, nHead, dInner, dState, dConv, nGroup, ssmHeads, nFf, nExpert, nUsed, nShared] =
    [64, 3, 4, 128, 16, 4, 2, 8, 48, 4, 2, 32];
  const headKv = [0, 2, 0];
  const a = 'granitehybrid';
  b.meta('general.architecture', a);
  b.meta(`${a}.block_count`, nLayer);
  b.meta(`${a}.context_length`, 256);
  b.meta(`${a}.embedding_length`, nEmbd);
  b.meta(`${a}.feed_forward_length`, nFf);
  b.meta(`${a}.attention.head_count`, nHead);
  b.meta(`${a}.attention.head_count_kv`, Uint32Array.from(headKv));
  b.meta(`${a}.attention.layer_norm_rms_epsilon`, 1e-5, F32);
  b.meta(`${a}.rope.freq_base`, 10000, F32);
  b.meta(`${a}.rope.dimension_count`, nEmbd / nHead);
  b.meta(`${a}.rope.scaling.finetuned`, true);
  b.meta(`${a}.attention.scale`, 0.2, F32);
  b.meta(`${a}.embedding_scale`, 2.5, F32);
  b.meta(`${a}.residual_scale`, 0.5, F32);
  b.meta(`${a}.logit_scale`, 1.5, F32);
  b.meta(`${a}.ssm.conv_kernel`, dConv);
  b.meta(`${a}.ssm.state_size`, dState);
  b.meta(`${a}.ssm.group_count`, nGroup);
  b.meta(`${a}.ssm.inner_size`, dInner);
  b.meta(`${a}.ssm.time_step_rank`, ssmHeads);
  b.meta(`${a}.expert_count`, nExpert);
  b.meta(`${a}.expert_used_count`, nUsed);
  b.meta(`${a}.expert_feed_forward_length`, nFf);
  b.meta(`${a}.expert_shared_feed_forward_length`, nShared);
  b.tensor('token_embd.weight', [nEmbd, b.nVocab], -0.5, 0.5);
  const convDim = dInner + 2 * nGroup * dState;
  const headDim = nEmbd / nHead;
  for (let i = 0; i < nLayer; i++) {
    b.norm(`blk.${i}.attn_norm.weight`, [nEmbd]);
    if (headKv[i] > 0) {
      b.mat(`blk.${i}.attn_q.weight`, nEmbd, nHead * headDim);
      b.mat(`blk.${i}.attn_k.weight`, nEmbd, headKv[i] * headDim);
      b.mat(`blk.${i}.attn_v.weight`, nEmbd, headKv[i] * headDim);
      b.mat(`blk.${i}.attn_output.weight`, nHead * headDim, nEmbd);
    } else {
      b.mat(`blk.${i}.ssm_in.weight`, nEmbd, dInner + convDim + ssmHeads);
      b.tensor(`blk.${i}.ssm_conv1d.weight`, [dConv, convDim], -0.5, 0.5);
      b.tensor(`blk.${i}.ssm_conv1d.bias`, [convDim], -0.1, 0.1);
      b.tensor(`blk.${i}.ssm_dt.bias`, [ssmHeads], -2, 0);
      b.tensor(`blk.${i}.ssm_a`, [1, ssmHeads], -1.5, -0.5);
      b.tensor(`blk.${i}.ssm_d`, [1, ssmHeads], 0.5, 1.5);
      b.norm(`blk.${i}.ssm_norm.weight`, [dInner / nGroup, nGroup]);
      b.mat(`blk.${i}.ssm_out.weight`, dInner, nEmbd);
    }
    b.norm(`blk.${i}.ffn_norm.weight`, [nEmbd]);
    b.mat(`blk.${i}.ffn_gate_inp.weight`, nEmbd, nExpert);
    swigluFfn(b, i, nEmbd, nFf, '_exps', [nExpert]);
    swigluFfn(b, i, nEmbd, nShared, '_shexp');
  }
  b.norm('output_norm.weight', [nEmbd]);
  return b.build(24);
}

export async function llamaMoe(seed: number): Promise<Built> {
  const b = new ModelBuilder(seed);
  await b.vocabulary();
  const [nEmbd, nLayer, nHead, nHeadKv, nFf, nExpert, nUsed] = [64, 2, 4, 2, 48, 4, 2];
  const headDim = nEmbd / nHead;
  b.meta('general.architecture', 'llama');
  b.meta('llama.block_count', nLayer);
  b.meta('llama.context_length', 256);
  b.meta('llama.embedding_length', nEmbd);
  b.meta('llama.feed_forward_length', nFf);
  b.meta('llama.attention.head_count', nHead);
  b.meta('llama.attention.head_count_kv', nHeadKv);
  b.meta('llama.attention.layer_norm_rms_epsilon', 1e-5, F32);
  b.meta('llama.rope.freq_base', 10000, F32);
  b.meta('llama.rope.dimension_count', headDim);
  b.meta('llama.expert_count', nExpert);
  b.meta('llama.expert_used_count', nUsed);
  b.tensor('token_embd.weight', [nEmbd, b.nVocab], -0.5, 0.5);
  for (let i = 0; i < nLayer; i++) {
    b.norm(`blk.${i}.attn_norm.weight`, [nEmbd]);
    b.mat(`blk.${i}.attn_q.weight`, nEmbd, nHead * headDim);
    b.mat(`blk.${i}.attn_k.weight`, nEmbd, nHeadKv * headDim);
    b.mat(`blk.${i}.attn_v.weight`, nEmbd, nHeadKv * headDim);
    b.mat(`blk.${i}.attn_output.weight`, nHead * headDim, nEmbd);
    b.norm(`blk.${i}.ffn_norm.weight`, [nEmbd]);
    b.mat(`blk.${i}.ffn_gate_inp.weight`, nEmbd, nExpert);
    swigluFfn(b, i, nEmbd, nFf, '_exps', [nExpert]);
  }
  b.norm('output_norm.weight', [nEmbd]);
  b.mat('output.weight', nEmbd, b.nVocab);
  return b.build(24);
}
