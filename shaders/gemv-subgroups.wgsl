// Decode GEMV, subgroup variant: each subgroup sums the partials with subgroupAdd, its first
// lane writes one value per partial to workgroup memory, and after one barrier a thread per
// partial adds the subgroups' sums: two barriers instead of log2(WG) + 1. See gemv-core.wgsl.
#include "gemv-core.wgsl"

var<private> sg_id: u32;
var<private> sg_lane: u32;
var<private> sg_count: u32;

fn reduce_partials(lid: u32) {
  for (var i = 0u; i < PARTIALS * TOKENS; i++) {
    let v = subgroupAdd(part[i]);
    if (sg_lane == 0u) { red[i * WG + sg_id] = v; }
  }
  workgroupBarrier();
  for (var i = lid; i < PARTIALS * TOKENS; i += WG) {
    var v = 0.0;
    for (var g = 0u; g < sg_count; g++) { v += red[i * WG + g]; }
    red[i * WG] = v;
  }
  workgroupBarrier();
}

@compute @workgroup_size(WG)
fn gemv(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>,
        @builtin(subgroup_id) sg: u32, @builtin(subgroup_size) sg_size: u32,
        @builtin(subgroup_invocation_id) lane: u32) {
  sg_id = sg;
  sg_lane = lane;
  sg_count = (WG + sg_size - 1u) / sg_size;
  gemv_main(lid, wg);
}
