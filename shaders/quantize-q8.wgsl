// Activations to 8-bit blocks for the decode GEMV's packed integer dot product (gemv-core.wgsl
// with the int8Dot variant), optionally RMS-normed on the way: one workgroup per token row.
// Each 32 elements become Q8_BLOCK_WORDS = 12 words: 8 words of four signed bytes q (lowest byte
// first), then d (f32 bits) with x ≈ d·q, then d·Σq over elements 0..15 and over 16..31 (the Σx
// of a chunk's run, gemv's min term), then a zero word. d = max|x| / 127 and q = x / d rounded
// half away from zero, as llama.cpp's quantize_row_q8_1 (x = 0 everywhere gives d = 0, q = 0).
// With NORM, x is first multiplied by norm_w and by rsqrt(mean(x²) + eps) over the row (RMSNorm).

override WG: u32 = 64u;   // power of two, ≤ 256
override NORM: bool = false;

struct Params {
  k: u32,          // row length, a multiple of 32
  x_offset: u32,   // elements
  x_stride: u32,   // elements between tokens
  eps: f32,        // NORM
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<act>;          // (tokens, k) at x_offset, stride x_stride
@group(0) @binding(2) var<storage, read_write> y: array<u32>;    // (tokens, k / 32) blocks of 12 words, dense
@group(0) @binding(3) var<storage, read> norm_w: array<f32>;     // (k) NORM: the RMSNorm weight

#include "reduce-sum.wgsl"

/** v rounded half away from zero (WGSL's round() goes half to even). */
fn round_away(v: f32) -> i32 {
  return i32(sign(v) * floor(abs(v) + 0.5));
}

@compute @workgroup_size(WG)
fn quantize_q8(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let t = wg.x;
  let base = p.x_offset + t * p.x_stride;
  var scale = 1.0;
  if (NORM) {
    var ss = 0.0;
    for (var i = lid; i < p.k; i += WG) { let v = f32(x[base + i]); ss += v * v; }
    scale = inverseSqrt(reduce_sum(lid, ss) / f32(p.k) + p.eps);
  }
  let blocks = p.k / 32u;
  for (var b = lid; b < blocks; b += WG) {
    var v: array<f32, 32>;
    var amax = 0.0;
    for (var i = 0u; i < 32u; i++) {
      var e = f32(x[base + 32u * b + i]);
      if (NORM) { e = e * scale * norm_w[32u * b + i]; }
      v[i] = e;
      amax = max(amax, abs(e));
    }
    let d = amax / 127.0;
    let id = select(0.0, 1.0 / d, d > 0.0);
    let o = (t * blocks + b) * 12u;
    var sums = vec2<i32>();
    for (var w = 0u; w < 8u; w++) {
      var word = 0u;
      for (var j = 0u; j < 4u; j++) {
        let q = round_away(v[4u * w + j] * id);
        sums[w / 4u] += q;
        word |= (bitcast<u32>(q) & 0xffu) << (8u * j);
      }
      y[o + w] = word;
    }
    y[o + 8u] = bitcast<u32>(d);
    y[o + 9u] = bitcast<u32>(d * f32(sums.x));
    y[o + 10u] = bitcast<u32>(d * f32(sums.y));
    y[o + 11u] = 0u;
  }
}
