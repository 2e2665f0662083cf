// Decode attention, subgroup variant: the cluster sum of the score pass is two subgroup
// shuffles. A cluster is CLUSTER consecutive subgroup lanes (a subgroup holds at least 4), so the
// position an invocation scores is numbered from its subgroup and lane, not its local index,
// whose mapping onto subgroups WGSL leaves open. See attention-decode-core.wgsl.
#include "attention-decode-core.wgsl"

fn cluster_sum(s: array<f32, GMAX>, lid: u32, lane: u32) -> array<f32, GMAX> {
  var r = s;
  for (var g = 0u; g < GH; g++) {
    r[g] += subgroupShuffleXor(r[g], 1u);
    r[g] += subgroupShuffleXor(r[g], 2u);
  }
  return r;
}

// Grid (n_split_max, n_head_kv · head_blocks).
@compute @workgroup_size(WG)
fn attention_decode(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lid: u32,
                    @builtin(subgroup_id) sg: u32, @builtin(subgroup_size) sg_size: u32,
                    @builtin(subgroup_invocation_id) sg_lane: u32) {
  let id = sg * sg_size + sg_lane;
  decode_split(wg, lid, id / CLUSTER, sg_lane % CLUSTER);
}
