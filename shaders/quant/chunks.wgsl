// Whole-block reading for the decode GEMV of every block type but Q2_K, Q3_K and IQ4_XS: a chunk
// is 32 weights, two runs of 16 consecutive elements (A at block-relative element e0, B at e1),
// read as aligned words with each scale and min decoded once per chunk, so Σx·min leaves the
// inner product: chunk·x = sA·Σ qA·xA − mA·Σ xA + sB·Σ qB·xB − mB·Σ xB, the q as 8-bit integers.
// Needs bytes.wgsl, legacy.wgsl, iquants.wgsl and kquants.wgsl (stored layouts: weights.ts
// STORED_PADDING).
//   32-element types, 1 chunk per block, A = elements 0.., B = 16..: Q4_0 / IQ4_NL (20-byte
//     stored block: d, pad, qs[16]; A low nibbles, B high), Q4_1 (d, m, qs), Q5_0 (24-byte stored
//     block: d, pad, qh, qs; bit 4 of element e is qh bit e), Q5_1 (d, m, qh, qs), Q8_0 (36-byte
//     stored block: d, pad, qs[32]).
//   Q4_K / Q5_K: chunk c < 8 holds qs bytes 32j + 16h.. (j = c/2, h = c%2): low nibbles are
//     elements 64j + 16h.. (sub-block 2j), high nibbles 32 further (2j + 1); 4 qs words + d,
//     dmin, scales; Q5_K adds qh bytes 16h.., bit 2j (A) and 2j + 1 (B).
//   Q6_K (212-byte stored block): chunk c < 8, h = c/4, p = (c/2)%2, l = 16(c%2): ql bytes
//     64h + 32p + l.., qh bytes 128 + 32h + l..; A = low nibbles | qh bits 2p (elements
//     128h + 32p + l..), B = high nibbles | qh bits 4 + 2p (64 further); q − 32 as a min of 32·s.

/**
 * 32 weights as 8-bit integers, four to a word (lowest byte first): q[0..3] the 16 of run A,
 * q[4..7] of run B; weight = s·q − m with s = (sA, mA, sB, mB). Every chunked type's integers fit
 * a signed byte (Q8_0 −128..127, the others 0..63), so the words serve both the f32 dot product
 * (sbytes4) and the packed integer one (dot4I8Packed) against 8-bit activations.
 */
struct Chunk {
  q: array<u32, 8>,
  s: vec4<f32>,
}

fn chunked_type(t: u32) -> bool {
  switch t {
    case 2u, 3u, 6u, 7u, 8u, 20u, 12u, 13u, 14u: { return true; }
    default: { return false; }
  }
}

/** Chunks per block of a chunked type: 1 for the 32-element blocks, 8 for the K-quants. */
fn chunks_per_block(t: u32) -> u32 {
  return select(1u, 8u, t >= 12u && t <= 14u);
}

/** Block-relative first elements (e0, e1) of chunk c's runs A and B. */
fn chunk_pos(t: u32, c: u32) -> vec2<u32> {
  switch t {
    case 2u, 3u, 6u, 7u, 8u, 20u: { return vec2<u32>(0u, 16u); }
    case 12u, 13u: { let e = 64u * (c >> 1u) + 16u * (c & 1u); return vec2<u32>(e, e + 32u); }
    default: { let e = 128u * (c >> 2u) + 32u * ((c >> 1u) & 1u) + 16u * (c & 1u); return vec2<u32>(e, e + 64u); }
  }
}

const LO4 = 0x0f0f0f0fu;

fn q8_0_chunk(b: u32) -> Chunk {
  var r: Chunk;
  let d = w_f16(b);
  for (var i = 0u; i < 8u; i++) { r.q[i] = w_u32a(b + 4u + 4u * i); }
  r.s = vec4<f32>(d, 0.0, d, 0.0);
  return r;
}

/** The 4-bit chunk of a 32-element block whose qs[16] start at byte o: A low nibbles, B high. */
fn nibble_chunk(o: u32) -> Chunk {
  var r: Chunk;
  for (var i = 0u; i < 4u; i++) {
    let q = w_u32a(o + 4u * i);
    r.q[i] = q & LO4;
    r.q[4u + i] = (q >> 4u) & LO4;
  }
  return r;
}

/**
 * Q4_0 / Q4_1 / Q5_0 / Q5_1 scales as Chunk.s from the block's first word: d (the pad of a
 * stored _0 block is zero) with a min of `steps`·d (q − 8 or q − 16), or d and −m (_1: x = d·q + m).
 */
fn legacy_scales(b: u32, steps: f32, has_min: bool) -> vec4<f32> {
  let dm = unpack2x16float(w_u32a(b));
  let m = select(steps * dm.x, -dm.y, has_min);
  return vec4<f32>(dm.x, m, dm.x, m);
}

/** Q5_0 / Q5_1: the nibbles at o + 4 with bit 4 of element e from bit e of the qh word at o. */
fn q5_chunk(o: u32) -> Chunk {
  var r: Chunk;
  let qh = w_u32a(o);
  for (var i = 0u; i < 4u; i++) {
    let q = w_u32a(o + 4u + 4u * i);
    r.q[i] = (q & LO4) | fifth_bits(qh >> (4u * i));
    r.q[4u + i] = ((q >> 4u) & LO4) | fifth_bits(qh >> (16u + 4u * i));
  }
  return r;
}

/** IQ4_NL: the table's values (−127..113) packed as signed bytes. */
fn iq4_nl_chunk(b: u32) -> Chunk {
  var r: Chunk;
  for (var i = 0u; i < 4u; i++) {
    let v = iq4_word(w_u32a(b + 4u + 4u * i));
    r.q[i] = pack_i8x4(v.lo);
    r.q[4u + i] = pack_i8x4(v.hi);
  }
  let d = w_f16(b);
  r.s = vec4<f32>(d, 0.0, d, 0.0);
  return r;
}

/** Q4_K / Q5_K scales and mins of chunk c's sub-blocks 2j and 2j + 1 (j = c/2) as Chunk.s. */
fn k4_chunk_scales(b: u32, c: u32) -> vec4<f32> {
  let j = c >> 1u;
  let dm = unpack2x16float(w_u32a(b));
  let a = k4_scale_min(b, 2u * j);
  let e = k4_scale_min(b, 2u * j + 1u);
  return vec4<f32>(dm.x * a.x, dm.y * a.y, dm.x * e.x, dm.y * e.y);
}

fn q4_k_chunk(b: u32, c: u32) -> Chunk {
  var r = nibble_chunk(b + 16u + 32u * (c >> 1u) + 16u * (c & 1u));
  r.s = k4_chunk_scales(b, c);
  return r;
}

fn q5_k_chunk(b: u32, c: u32) -> Chunk {
  var r: Chunk;
  let j = c >> 1u;
  let o = b + 48u + 32u * j + 16u * (c & 1u);
  for (var i = 0u; i < 4u; i++) {
    let q = w_u32a(o + 4u * i);
    let qh = w_u32a(b + 16u + 16u * (c & 1u) + 4u * i);
    r.q[i] = (q & LO4) | k5_fifth_bits(qh, 2u * j);
    r.q[4u + i] = ((q >> 4u) & LO4) | k5_fifth_bits(qh, 2u * j + 1u);
  }
  r.s = k4_chunk_scales(b, c);
  return r;
}

fn q6_k_chunk(b: u32, c: u32) -> Chunk {
  var r: Chunk;
  let h = c >> 2u;
  let p = (c >> 1u) & 1u;
  let l = 16u * (c & 1u);
  for (var i = 0u; i < 4u; i++) {
    let ql = w_u32a(b + 64u * h + 32u * p + l + 4u * i);
    let qh = w_u32a(b + 128u + 32u * h + l + 4u * i);
    r.q[i] = (ql & LO4) | (((qh >> (2u * p)) & 0x03030303u) << 4u);
    r.q[4u + i] = ((ql >> 4u) & LO4) | (((qh >> (4u + 2u * p)) & 0x03030303u) << 4u);
  }
  let d = w_f16(b + 208u);
  let s = b + 192u + 8u * h + 2u * p + (c & 1u);  // scales[16], int8, of sub-blocks A and A + 4
  let sa = d * w_i8(s);
  let sb = d * w_i8(s + 4u);
  r.s = vec4<f32>(sa, 32.0 * sa, sb, 32.0 * sb);
  return r;
}

/** Chunk c of the type-t block at byte b. */
fn chunk_t(t: u32, b: u32, c: u32) -> Chunk {
  switch t {
    case 2u: { return Chunk(nibble_chunk(b + 4u).q, legacy_scales(b, 8.0, false)); }
    case 3u: { return Chunk(nibble_chunk(b + 4u).q, legacy_scales(b, 0.0, true)); }
    case 6u: { return Chunk(q5_chunk(b + 4u).q, legacy_scales(b, 16.0, false)); }
    case 7u: { return Chunk(q5_chunk(b + 4u).q, legacy_scales(b, 0.0, true)); }
    case 8u: { return q8_0_chunk(b); }
    case 20u: { return iq4_nl_chunk(b); }
    case 12u: { return q4_k_chunk(b, c); }
    case 13u: { return q5_k_chunk(b, c); }
    default: { return q6_k_chunk(b, c); }
  }
}
