// Decode GEMV, workgroup-memory variant (devices without `subgroups`): the partials of every
// thread are summed by a tree in workgroup memory, log2(WG) steps. See gemv-core.wgsl.
#include "gemv-core.wgsl"

fn reduce_partials(lid: u32) {
  for (var i = 0u; i < PARTIALS * TOKENS; i++) { red[i * WG + lid] = part[i]; }
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      for (var i = 0u; i < PARTIALS * TOKENS; i++) {
        red[i * WG + lid] += red[i * WG + lid + s];
      }
    }
    workgroupBarrier();
  }
}

@compute @workgroup_size(WG)
fn gemv(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  gemv_main(lid, wg);
}
