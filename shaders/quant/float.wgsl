// Float weight formats, read in units of 8 consecutive elements (a virtual block of 8, so
// lo = elements 0..3 and hi = 4..7 of the unit). Rows of any length: the kernels mask a last,
// partial unit. `b` is the unit's byte offset. Needs bytes.wgsl.

/** F32 rows are whole words. */
fn f32_unit(b: u32) -> Unit {
  return Unit(
    bitcast<vec4<f32>>(vec4<u32>(w_u32a(b), w_u32a(b + 4u), w_u32a(b + 8u), w_u32a(b + 12u))),
    bitcast<vec4<f32>>(vec4<u32>(w_u32a(b + 16u), w_u32a(b + 20u), w_u32a(b + 24u), w_u32a(b + 28u))));
}

fn f16x4(a: u32, c: u32) -> vec4<f32> {
  return vec4<f32>(unpack2x16float(a), unpack2x16float(c));
}

fn f16_unit(b: u32) -> Unit {
  return Unit(f16x4(w_u32(b), w_u32(b + 4u)), f16x4(w_u32(b + 8u), w_u32(b + 12u)));
}

/** bfloat16 is the high half of an f32. */
fn bf16x4(a: u32, c: u32) -> vec4<f32> {
  return bitcast<vec4<f32>>(vec4<u32>(a << 16u, a & 0xffff0000u, c << 16u, c & 0xffff0000u));
}

fn bf16_unit(b: u32) -> Unit {
  return Unit(bf16x4(w_u32(b), w_u32(b + 4u)), bf16x4(w_u32(b + 8u), w_u32(b + 12u)));
}
