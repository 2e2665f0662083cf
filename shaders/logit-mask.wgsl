// Grammar-constrained sampling: logits of tokens the grammar refuses become -inf before the
// sampler's dispatches (sample.wgsl), so neither argmax nor top-k can pick them. The bitset is
// rewritten each token by the host (queue.writeBuffer); bit i of the vocabulary is bit (i & 31)
// of word i >> 5.
#include "common.wgsl"

override WG: u32 = 256;

struct Params {
  n_vocab: u32,
  refused: f32,  // -inf, from the host: WGSL cannot spell an infinite constant
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> logits: array<f32>;  // (n_vocab)
@group(0) @binding(2) var<storage, read> allowed: array<u32>;       // (ceil(n_vocab / 32)) bitset

// One invocation per logit.
@compute @workgroup_size(WG)
fn logit_mask(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = linear_group(wg, nwg) * WG + lid.x;
  if (i >= p.n_vocab) { return; }
  if (((allowed[i >> 5u] >> (i & 31u)) & 1u) == 0u) {
    logits[i] = p.refused;
  }
}
