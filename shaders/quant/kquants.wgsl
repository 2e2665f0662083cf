// The K-quant formats (256-element super-blocks, ggml-common.h): Q2_K, Q3_K, Q4_K, Q5_K, Q6_K.
// `b` is the block's byte offset, `u` < 32 the unit within it; each function's comment gives
// which elements its unit covers (lo run at e0, hi run at e1, see weights.wgsl). Needs bytes.wgsl
// and legacy.wgsl (nibble helpers).

/** Two-bit fields at bit `shift` of each byte of a word. */
fn crumbs(q: u32, shift: u32) -> vec4<f32> {
  return vec4<f32>(bytes4((q >> shift) & 0x03030303u));
}

/** Q4_K/Q5_K's packed 6-bit (scale, min) of sub-block j < 8 (get_scale_min_k4 in ggml). */
fn k4_scale_min(b: u32, j: u32) -> vec2<f32> {
  let s = b + 4u;  // scales[12]
  if (j < 4u) {
    return vec2<f32>(f32(w_u8(s + j) & 63u), f32(w_u8(s + j + 4u) & 63u));
  }
  let sc = (w_u8(s + j + 4u) & 15u) | ((w_u8(s + j - 4u) >> 6u) << 4u);
  let m = (w_u8(s + j + 4u) >> 4u) | ((w_u8(s + j) >> 6u) << 4u);
  return vec2<f32>(f32(sc), f32(m));
}

// Q2_K (84 bytes): scales[16], qs[64], d, dmin fp16 (last). Unit u: h = u/16, jp = (u/8)%2,
// v = u%8; qs bytes 32h + 4v; lo = elements 128h + 64jp + 4v (bits 4jp), hi = 32 further
// (bits 4jp+2). Sub-block s = e/16: x = d·(scales[s] & 15)·q − dmin·(scales[s] >> 4).
fn q2_k_unit(b: u32, u: u32) -> Unit {
  let h = u >> 4u;
  let jp = (u >> 3u) & 1u;
  let v = u & 7u;
  let d = w_f16(b + 80u);
  let dmin = w_f16(b + 82u);
  let q = w_u32a(b + 16u + 32u * h + 4u * v);
  let s_lo = w_u8(b + 8u * h + 4u * jp + (v >> 2u));
  let s_hi = w_u8(b + 8u * h + 4u * jp + (v >> 2u) + 2u);
  return Unit(crumbs(q, 4u * jp) * (d * f32(s_lo & 15u)) - dmin * f32(s_lo >> 4u),
              crumbs(q, 4u * jp + 2u) * (d * f32(s_hi & 15u)) - dmin * f32(s_hi >> 4u));
}

/** Q3_K's 6-bit scale S of sub-block k < 16, minus 32. */
fn q3_k_scale(b: u32, k: u32) -> f32 {
  let s = b + 96u;  // scales[12]
  let low = select(w_u8(s + k - 8u) >> 4u, w_u8(s + k) & 15u, k < 8u);
  let high = (w_u8(s + 8u + (k & 3u)) >> (2u * (k >> 2u))) & 3u;
  return f32(low | (high << 4u)) - 32.0;
}

// Q3_K (110 bytes): hmask[32], qs[64], scales[12], d fp16. Units as Q2_K; q = low2 − 4 unless
// bit (4h + j) of hmask[l] is set. x = d·(S − 32)·q.
fn q3_k_unit(b: u32, u: u32) -> Unit {
  let h = u >> 4u;
  let jp = (u >> 3u) & 1u;
  let v = u & 7u;
  let d = w_f16(b + 108u);
  let q = w_u32(b + 32u + 32u * h + 4u * v);
  let m = bytes4(w_u32(b + 4u * v));
  let j = 2u * jp;
  let lo = crumbs(q, 2u * j) - 4.0 * vec4<f32>(((m >> vec4<u32>(4u * h + j)) & vec4<u32>(1u)) ^ vec4<u32>(1u));
  let hi = crumbs(q, 2u * j + 2u) - 4.0 * vec4<f32>(((m >> vec4<u32>(4u * h + j + 1u)) & vec4<u32>(1u)) ^ vec4<u32>(1u));
  let k = 8u * h + 2u * j + (v >> 2u);
  return Unit(lo * (d * q3_k_scale(b, k)), hi * (d * q3_k_scale(b, k + 2u)));
}

// Q4_K (144 bytes): d, dmin fp16, scales[12], qs[128]. Unit u: j = u/8, v = u%8; qs bytes
// 32j + 4v; lo = elements 64j + 4v (low nibbles, sub-block 2j), hi = 32 further (high nibbles,
// sub-block 2j+1). x = d·sc·q − dmin·m.
fn q4_k_unit(b: u32, u: u32) -> Unit {
  let j = u >> 3u;
  let d = w_f16(b);
  let dmin = w_f16(b + 2u);
  let q = w_u32a(b + 16u + 32u * j + 4u * (u & 7u));
  let a = k4_scale_min(b, 2u * j);
  let c = k4_scale_min(b, 2u * j + 1u);
  return Unit(nibbles_lo(q) * (d * a.x) - dmin * a.y, nibbles_hi(q) * (d * c.x) - dmin * c.y);
}

/** Q5_K: bit `bit` of each of the 4 qh bytes of word qh, moved to bit 4 of its byte (the fifth bit of 4 elements). */
fn k5_fifth_bits(qh: u32, bit: u32) -> u32 {
  return ((qh >> bit) & 0x01010101u) << 4u;
}

// Q5_K (176 bytes): d, dmin fp16, scales[12], qh[32], qs[128]. Units as Q4_K; bit 4 of element
// 32s + l is bit s of qh[l].
fn q5_k_unit(b: u32, u: u32) -> Unit {
  let j = u >> 3u;
  let v = u & 7u;
  let d = w_f16(b);
  let dmin = w_f16(b + 2u);
  let q = w_u32a(b + 48u + 32u * j + 4u * v);
  let qh = w_u32a(b + 16u + 4u * v);
  let a = k4_scale_min(b, 2u * j);
  let c = k4_scale_min(b, 2u * j + 1u);
  return Unit((nibbles_lo(q) + vec4<f32>(bytes4(k5_fifth_bits(qh, 2u * j)))) * (d * a.x) - dmin * a.y,
              (nibbles_hi(q) + vec4<f32>(bytes4(k5_fifth_bits(qh, 2u * j + 1u)))) * (d * c.x) - dmin * c.y);
}

// Q6_K (210 bytes in GGUF, stored as 212 with 2 pad bytes at the end): ql[128], qh[64], scales int8[16], d fp16. Unit u: h = u/16, part = (u/8)%2,
// v = u%8; ql bytes 64h + 32part + 4v, qh bytes 32h + 4v; lo = elements 128h + 32part + 4v
// (low nibbles, qh bits 2part), hi = 64 further (high nibbles, qh bits 4 + 2part).
// x = d·scales[s]·(q − 32), s = e/16.
fn q6_k_unit(b: u32, u: u32) -> Unit {
  let h = u >> 4u;
  let part = (u >> 3u) & 1u;
  let v = u & 7u;
  let d = w_f16(b + 208u);
  let ql = w_u32a(b + 64u * h + 32u * part + 4u * v);
  let qh = w_u32a(b + 128u + 32u * h + 4u * v);
  let s = b + 192u + 8u * h + 2u * part + (v >> 2u);
  let sc_lo = w_i8(s);
  let sc_hi = w_i8(s + 4u);
  let lo = nibbles_lo(ql) + crumbs(qh, 2u * part) * 16.0 - 32.0;
  let hi = nibbles_hi(ql) + crumbs(qh, 4u + 2u * part) * 16.0 - 32.0;
  return Unit(lo * (d * sc_lo), hi * (d * sc_hi));
}
