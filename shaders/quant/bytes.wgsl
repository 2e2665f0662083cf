// Byte-addressed reads from a weight tensor's raw GGUF bytes, which the including code reads as
// words through `fn w_word(i: u32) -> u32` (weights.wgsl: one `w: array<u32>` binding; a kernel
// with several weight bindings defines its own). GGUF blocks are not 4-byte aligned (a Q4_0 block is 18 bytes), so every
// field is addressed by its byte offset from the start of the binding. Little-endian throughout.
// Fields known to be word-aligned (every block of a type whose stored block is a whole number of
// words, weights.ts STORED_PADDING) are read with w_u32a.

/** The 4 bytes at any byte offset, as a little-endian u32 (two word reads when unaligned). */
fn w_u32(byte: u32) -> u32 {
  let i = byte >> 2u;
  let s = (byte & 3u) * 8u;
  let lo = w_word(i);
  // A shift by 32 would be taken mod 32 in WGSL, hence the select on the aligned case.
  return select((lo >> s) | (w_word(i + 1u) << (32u - s)), lo, s == 0u);
}

/** The 4 bytes at a 4-aligned byte offset: one word read. */
fn w_u32a(byte: u32) -> u32 {
  return w_word(byte >> 2u);
}

/** The u16 at an even byte offset (every u16/fp16 field of every block layout is even). */
fn w_u16(byte: u32) -> u32 {
  return (w_word(byte >> 2u) >> ((byte & 2u) * 8u)) & 0xffffu;
}

fn w_u8(byte: u32) -> u32 {
  return (w_word(byte >> 2u) >> ((byte & 3u) * 8u)) & 0xffu;
}

/** Signed byte (int8) at any byte offset, as f32. */
fn w_i8(byte: u32) -> f32 {
  return f32(bitcast<i32>(w_u8(byte) << 24u) >> 24u);
}

/** IEEE half at an even byte offset, widened to f32. */
fn w_f16(byte: u32) -> f32 {
  return unpack2x16float(w_u16(byte)).x;
}

/** The four bytes of a word as four u32 lanes, lowest byte first. */
fn bytes4(q: u32) -> vec4<u32> {
  return (vec4<u32>(q) >> vec4<u32>(0u, 8u, 16u, 24u)) & vec4<u32>(0xffu);
}

/** The four bytes of a word as signed int8 lanes. */
fn sbytes4(q: u32) -> vec4<f32> {
  let v = bitcast<vec4<i32>>(vec4<u32>(q) << vec4<u32>(24u, 16u, 8u, 0u)) >> vec4<u32>(24u);
  return vec4<f32>(v);
}

/** Four integers in −128..127 (held as f32) packed as signed bytes, lowest lane first. */
fn pack_i8x4(v: vec4<f32>) -> u32 {
  let b = bitcast<vec4<u32>>(vec4<i32>(v)) & vec4<u32>(0xffu);
  return b.x | (b.y << 8u) | (b.z << 16u) | (b.w << 24u);
}

/**
 * One "unit" of a weight row: 8 dequantized values as two runs of 4 consecutive elements
 * (lo at block-relative element e0, hi at e1). Every format is read in units; see weights.wgsl.
 */
struct Unit {
  lo: vec4<f32>,
  hi: vec4<f32>,
}
