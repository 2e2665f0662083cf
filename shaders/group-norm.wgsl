// Mamba-2's grouped RMSNorm: every token's d_inner values are n_group blocks of group_size,
// each normalized on its own with its own slice of the weight (ssm_norm ne {group_size, n_group}):
//   out[t, g, i] = y[t, g, i] / sqrt(mean_i(y[t, g, :]²) + eps) · w[g, i]
// The gate y·silu(z) is already applied by ssd-scan.wgsl. One workgroup per (token, group) block.

override WG: u32 = 64;  // a power of two

struct Params {
  n_tokens: u32,
  n_group: u32,
  group_size: u32,
  y_offset: u32,   // elements
  y_stride: u32,
  out_offset: u32,
  out_stride: u32,
  eps: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;         // (n_tokens, n_group·group_size) at y_offset, stride y_stride
@group(0) @binding(2) var<storage, read> w: array<f32>;         // (n_group, group_size): ssm_norm
@group(0) @binding(3) var<storage, read_write> out: array<f32>; // (n_tokens, n_group·group_size) at out_offset, stride out_stride

var<workgroup> sums: array<f32, WG>;

// grid: (n_group, n_tokens)
@compute @workgroup_size(WG)
fn group_norm(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wid: vec3u) {
  let g = wid.x;
  let t = wid.y;
  let src = p.y_offset + t * p.y_stride + g * p.group_size;
  let dst = p.out_offset + t * p.out_stride + g * p.group_size;
  var ss = 0.0;
  for (var i = lane; i < p.group_size; i += WG) {
    let v = y[src + i];
    ss += v * v;
  }
  sums[lane] = ss;
  workgroupBarrier();
  for (var off = WG / 2u; off > 0u; off /= 2u) {
    if (lane < off) {
      sums[lane] += sums[lane + off];
    }
    workgroupBarrier();
  }
  let scale = inverseSqrt(sums[0] / f32(p.group_size) + p.eps);
  for (var i = lane; i < p.group_size; i += WG) {
    out[dst + i] = y[src + i] * scale * w[g * p.group_size + i];
  }
}
