// The non-linear 4-bit formats: IQ4_NL (32-element blocks, Q4_0's nibble layout) and IQ4_XS
// (256-element blocks of 8 sub-blocks of 32, each laid out like IQ4_NL with a 6-bit scale).
// `b` is the block's byte offset, `u` the unit within it. Needs bytes.wgsl and legacy.wgsl.

const IQ4_VALUES = array<f32, 16>(-127.0, -104.0, -83.0, -65.0, -49.0, -35.0, -22.0, -10.0,
                                  1.0, 13.0, 25.0, 38.0, 53.0, 69.0, 89.0, 113.0);

fn iq4_lookup(n: vec4<u32>) -> vec4<f32> {
  return vec4<f32>(IQ4_VALUES[n.x], IQ4_VALUES[n.y], IQ4_VALUES[n.z], IQ4_VALUES[n.w]);
}

/** The 8 non-linear 4-bit values of one qs word, unscaled (IQ4_NL and IQ4_XS). */
fn iq4_word(q: u32) -> Unit {
  return Unit(iq4_lookup(bytes4(q & 0x0f0f0f0fu)), iq4_lookup(bytes4((q >> 4u) & 0x0f0f0f0fu)));
}

// IQ4_NL (18 bytes in GGUF, stored as 20): d fp16, 2 pad bytes, qs[16]. x = d·kvalues[q].
fn iq4_nl_unit(b: u32, u: u32) -> Unit {
  let d = w_f16(b);
  let v = iq4_word(w_u32a(b + 4u + 4u * u));
  return Unit(v.lo * d, v.hi * d);
}

// IQ4_XS (136 bytes): d fp16, scales_h u16, scales_l[4], qs[128]. Unit u is sub-block ib = u/4,
// qs bytes 16·ib + 4·(u%4): lo = elements 32·ib + 4·(u%4).., hi = 16 further.
// x = d·(ls − 32)·kvalues[q] with the 6-bit sub-block scale ls.
fn iq4_xs_unit(b: u32, u: u32) -> Unit {
  let ib = u >> 2u;
  let ls = ((w_u8(b + 4u + (ib >> 1u)) >> (4u * (ib & 1u))) & 15u) | (((w_u16(b + 2u) >> (2u * ib)) & 3u) << 4u);
  let s = w_f16(b) * (f32(ls) - 32.0);
  let v = iq4_word(w_u32a(b + 8u + 16u * ib + 4u * (u & 3u)));
  return Unit(v.lo * s, v.hi * s);
}
