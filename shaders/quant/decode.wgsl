// Decoding weight units of any supported GGML type, the type given as an argument: the shared
// core of weights.wgsl (one weight binding, one type per pipeline) and of kernels that read
// several matrices of different types in one dispatch (gemv's Q|K|V). Where the type argument is
// a pipeline constant the switches fold to one case when the pipeline is built.
//
// Every format is read in units of 8 values (struct Unit): two runs of 4 consecutive elements,
// lo at block-relative element e0 and hi at e1 (w_unit_pos_t). A row of K elements has
// K / block-elements blocks of block-elements / 8 units, and 16 consecutive aligned units of a
// row always cover exactly 128 consecutive elements, so kernels may tile K in multiples of 128
// elements without knowing the layout. Float rows may end in a partial unit (the kernel masks it).
// The including code defines `fn w_word(i: u32) -> u32`, word i of the weight bytes.
#include "bytes.wgsl"
#include "float.wgsl"
#include "legacy.wgsl"
#include "iquants.wgsl"
#include "kquants.wgsl"

/** Float formats (F32, F16, BF16): rows of any length, so the last unit of a row may be partial. */
fn w_float_t(t: u32) -> bool {
  return t == 0u || t == 1u || t == 30u;
}

/** Unit `u` of the type-`t` block at byte `b`. */
fn w_unit_t(t: u32, b: u32, u: u32) -> Unit {
  switch t {
    case 0u: { return f32_unit(b); }
    case 1u: { return f16_unit(b); }
    case 30u: { return bf16_unit(b); }
    case 2u: { return q4_0_unit(b, u); }
    case 3u: { return q4_1_unit(b, u); }
    case 6u: { return q5_0_unit(b, u); }
    case 7u: { return q5_1_unit(b, u); }
    case 8u: { return q8_0_unit(b, u); }
    case 20u: { return iq4_nl_unit(b, u); }
    case 23u: { return iq4_xs_unit(b, u); }
    case 10u: { return q2_k_unit(b, u); }
    case 11u: { return q3_k_unit(b, u); }
    case 12u: { return q4_k_unit(b, u); }
    case 13u: { return q5_k_unit(b, u); }
    case 14u: { return q6_k_unit(b, u); }
    default: { return Unit(vec4<f32>(), vec4<f32>()); }
  }
}

/** Block-relative first elements (e0, e1) of unit `u`'s lo and hi runs, for type `t`. */
fn w_unit_pos_t(t: u32, u: u32) -> vec2<u32> {
  switch t {
    case 0u, 1u, 30u: { return vec2<u32>(0u, 4u); }
    case 2u, 3u, 6u, 7u, 20u: { return vec2<u32>(4u * u, 4u * u + 16u); }
    case 8u: { return vec2<u32>(8u * u, 8u * u + 4u); }
    case 23u: { let e = 32u * (u >> 2u) + 4u * (u & 3u); return vec2<u32>(e, e + 16u); }
    case 10u, 11u: { let e = 128u * (u >> 4u) + 64u * ((u >> 3u) & 1u) + 4u * (u & 7u); return vec2<u32>(e, e + 32u); }
    case 12u, 13u: { let e = 64u * (u >> 3u) + 4u * (u & 7u); return vec2<u32>(e, e + 32u); }
    case 14u: { let e = 128u * (u >> 4u) + 32u * ((u >> 3u) & 1u) + 4u * (u & 7u); return vec2<u32>(e, e + 64u); }
    default: { return vec2<u32>(0u, 4u); }
  }
}

/** Unit `v` with the elements at or past the row length k zeroed (float types only); e = its (e0, e1). */
fn w_mask_t(t: u32, v: Unit, e: vec2<u32>, k: u32) -> Unit {
  if (!w_float_t(t)) { return v; }
  let i = vec4<u32>(0u, 1u, 2u, 3u);
  return Unit(select(vec4<f32>(), v.lo, vec4<u32>(e.x) + i < vec4<u32>(k)),
              select(vec4<f32>(), v.hi, vec4<u32>(e.y) + i < vec4<u32>(k)));
}
