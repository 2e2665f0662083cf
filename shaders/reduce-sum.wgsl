// A workgroup's sum of one value per thread, by a tree in workgroup memory (log2(WG) steps; WG a
// power of two ≤ 256, an `override` of the including kernel). Every thread gets the total.

var<workgroup> partial: array<f32, 256>;

fn reduce_sum(lid: u32, v: f32) -> f32 {
  partial[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { partial[lid] += partial[lid + s]; }
    workgroupBarrier();
  }
  return partial[0];
}
