// Reading a weight row of any supported GGML type, for the matrix kernels (gemm, embedding) that
// bind one weight tensor: the including kernel declares `w: array<u32>`, the tensor's raw GGUF
// bytes. The type is the pipeline-creation constant WTYPE (a GGML type id), so each pipeline is
// specialized to one format: decode.wgsl's switches fold to a single call when it is built.
// W_BLOCK_ELEMS and W_BLOCK_BYTES come from the host's type table (float types use a virtual
// block of 8 elements). Units, their positions and the tiling rule: see decode.wgsl.
#include "decode.wgsl"

override WTYPE: u32 = 0u;
override W_BLOCK_ELEMS: u32 = 8u;
override W_BLOCK_BYTES: u32 = 32u;
override W_UNITS: u32 = W_BLOCK_ELEMS / 8u;
override W_FLOAT: bool = WTYPE == 0u || WTYPE == 1u || WTYPE == 30u;

fn w_word(i: u32) -> u32 {
  return w[i];
}

/** Unit `u` of the block at byte `b`. */
fn w_unit(b: u32, u: u32) -> Unit {
  return w_unit_t(WTYPE, b, u);
}

/** Block-relative first elements (e0, e1) of unit `u`'s lo and hi runs. */
fn w_unit_pos(u: u32) -> vec2<u32> {
  return w_unit_pos_t(WTYPE, u);
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
  return w_mask_t(WTYPE, r.v, r.e, k);
}
