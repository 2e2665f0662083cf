// The 32-element block formats (ggml-common.h): Q4_0, Q4_1, Q5_0, Q5_1, Q8_0. `b` is the block's byte offset, `u` < 4 the unit within it.
// Nibble formats: unit u is qs bytes 4u..4u+3; low nibbles are elements 4u..4u+3 (lo), high
// nibbles elements 16+4u.. (hi). Q8_0: unit u is elements 8u..8u+7. Needs bytes.wgsl.

fn nibbles_lo(q: u32) -> vec4<f32> {
  return vec4<f32>(bytes4(q & 0x0f0f0f0fu));
}

fn nibbles_hi(q: u32) -> vec4<f32> {
  return vec4<f32>(bytes4((q >> 4u) & 0x0f0f0f0fu));
}

/** Bits 0..3 of h moved to bit 4 of each byte: a word's four fifth bits (Q5_0, Q5_1). */
fn fifth_bits(h: u32) -> u32 {
  return ((h & 1u) << 4u) | ((h & 2u) << 11u) | ((h & 4u) << 18u) | ((h & 8u) << 25u);
}

/** Bit 4 of elements k..k+3 from the 32-bit `qh` mask, as 0 or 16. */
fn high_bits(qh: u32, k: u32) -> vec4<f32> {
  return vec4<f32>(bytes4(fifth_bits(qh >> k)));
}

// Q4_0 (18 bytes in GGUF, stored as 20): d fp16, 2 pad bytes, qs[16]. x = d·(q − 8).
fn q4_0_unit(b: u32, u: u32) -> Unit {
  let d = w_f16(b);
  let q = w_u32a(b + 4u + 4u * u);
  return Unit((nibbles_lo(q) - 8.0) * d, (nibbles_hi(q) - 8.0) * d);
}

// Q4_1 (20 bytes): d, m fp16, qs[16]. x = d·q + m.
fn q4_1_unit(b: u32, u: u32) -> Unit {
  let d = w_f16(b);
  let m = w_f16(b + 2u);
  let q = w_u32a(b + 4u + 4u * u);
  return Unit(nibbles_lo(q) * d + m, nibbles_hi(q) * d + m);
}

// Q5_0 (22 bytes in GGUF, stored as 24): d fp16, 2 pad bytes, qh u32, qs[16]. x = d·(q − 16).
fn q5_0_unit(b: u32, u: u32) -> Unit {
  let d = w_f16(b);
  let qh = w_u32a(b + 4u);
  let q = w_u32a(b + 8u + 4u * u);
  return Unit((nibbles_lo(q) + high_bits(qh, 4u * u) - 16.0) * d,
              (nibbles_hi(q) + high_bits(qh, 16u + 4u * u) - 16.0) * d);
}

// Q5_1 (24 bytes): d, m fp16, qh u32, qs[16]. x = d·q + m.
fn q5_1_unit(b: u32, u: u32) -> Unit {
  let d = w_f16(b);
  let m = w_f16(b + 2u);
  let qh = w_u32a(b + 4u);
  let q = w_u32a(b + 8u + 4u * u);
  return Unit((nibbles_lo(q) + high_bits(qh, 4u * u)) * d + m,
              (nibbles_hi(q) + high_bits(qh, 16u + 4u * u)) * d + m);
}

// Q8_0 (34 bytes in GGUF, stored as 36): d fp16, 2 pad bytes, qs int8[32]. x = d·q.
fn q8_0_unit(b: u32, u: u32) -> Unit {
  let d = w_f16(b);
  let o = b + 4u + 8u * u;
  return Unit(sbytes4(w_u32a(o)) * d, sbytes4(w_u32a(o + 4u)) * d);
}
