// Decode attention, workgroup-memory variant (devices without `subgroups`): the cluster sum of
// the score pass goes through workgroup memory. See attention-decode-core.wgsl.
#include "attention-decode-core.wgsl"

var<workgroup> dots: array<f32, WG * GMAX>;   // (WG, GMAX) each invocation's partial scores

fn cluster_sum(s: array<f32, GMAX>, lid: u32, lane: u32) -> array<f32, GMAX> {
  for (var g = 0u; g < GH; g++) { dots[lid * GMAX + g] = s[g]; }
  workgroupBarrier();
  var r: array<f32, GMAX>;
  let first = lid - lane;
  for (var g = 0u; g < GH; g++) {
    r[g] = 0.0;
    for (var c = 0u; c < CLUSTER; c++) { r[g] += dots[(first + c) * GMAX + g]; }
  }
  workgroupBarrier();
  return r;
}

// Grid (n_split_max, n_head_kv · head_blocks). Position slot = lid / CLUSTER, its part = lid % CLUSTER.
@compute @workgroup_size(WG)
fn attention_decode(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lid: u32) {
  decode_split(wg, lid, lid / CLUSTER, lid % CLUSTER);
}
