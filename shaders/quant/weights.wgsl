// Reading a weight row of any supported GGML type, for the matrix kernels (gemv, gemm,
// embedding). The including kernel declares `w: array<u32>`, the tensor's raw GGUF bytes.
//
// The type is the pipeline-creation constant WTYPE (a GGML type id), so each pipeline is
// specialized to one format: the switch below folds to a single call when the pipeline is built.
// W_BLOCK_ELEMS and W_BLOCK_BYTES come from the host's type table (float types use a virtual
// block of 8 elements).
//
// Every format is read in units of 8 values (struct Unit): two runs of 4 consecutive elements,
// lo at block-relative element e0 and hi at e1 (w_unit_pos). A row of K elements has
// K / W_BLOCK_ELEMS blocks of W_UNITS units, and 16 consecutive aligned units of a row always
// cover exactly 128 consecutive elements, so kernels may tile K in multiples of 128 elements
// without knowing the layout. Float rows may end in a partial unit (the kernel masks it).
#include "bytes.wgsl"
#include "float.wgsl"
#include "legacy.wgsl"
#include "iquants.wgsl"
#include "kquants.wgsl"

override WTYPE: u32 = 0u;
override W_BLOCK_ELEMS: u32 = 8u;
override W_BLOCK_BYTES: u32 = 32u;
override W_UNITS: u32 = W_BLOCK_ELEMS / 8u;
/** Float formats: rows of any length, so the last unit of a row may be partial. */
override W_FLOAT: bool = WTYPE == 0u || WTYPE == 1u || WTYPE == 30u;

/** Unit `u` of the block at byte `b`. */
fn w_unit(b: u32, u: u32) -> Unit {
  switch WTYPE {
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

/** Block-relative first elements (e0, e1) of unit `u`'s lo and hi runs. */
fn w_unit_pos(u: u32) -> vec2<u32> {
  switch WTYPE {
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

/** Unit `g` (in row order) of the row starting at byte `row_byte`, and its row-relative e0, e1. */
struct RowUnit {
  v: Unit,
  e: vec2<u32>,
}

fn w_row_unit(row_byte: u32, g: u32) -> RowUnit {
  let blk = g / W_UNITS;
  let u = g % W_UNITS;
  let e = w_unit_pos(u) + vec2<u32>(blk * W_BLOCK_ELEMS);
  return RowUnit(w_unit(row_byte + blk * W_BLOCK_BYTES, u), e);
}

/** Zeroes the elements of a unit at or past the row length k (float rows only). */
fn w_mask(r: RowUnit, k: u32) -> Unit {
  if (!W_FLOAT) { return r.v; }
  let i = vec4<u32>(0u, 1u, 2u, 3u);
  return Unit(select(vec4<f32>(), r.v.lo, vec4<u32>(r.e.x) + i < vec4<u32>(k)),
              select(vec4<f32>(), r.v.hi, vec4<u32>(r.e.y) + i < vec4<u32>(k)));
}
