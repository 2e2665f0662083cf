// The small text variants of a kernel: structure that `override` constants cannot express.
// A variant prepends directives and type aliases; the .wgsl source uses the aliases:
//   `act` — the activation/storage float type for the variant (f16 where enabled, else f32);
//   `math` — a kernel's internal tile/arithmetic type: f16 with `f16Math` (activations may stay
//   f32 while a kernel multiplies in f16), else f32.
//   `x_elem` — the element type of a kernel's 8-bit-capable input binding: u32 with `int8Dot`
//   (the input holds quantize-q8.wgsl blocks), else `act`; `X_INT8` says which, as a const.
//   `dot_i8x4(a, b)` — the dot product of two words of four signed bytes: the packed integer
//   instruction (dot4I8Packed) with `int8Dot`, else the same sum in plain WGSL, so that a source
//   using it still compiles where the language lacks packed_4x8_integer_dot_product.
// `subgroups` only enables the extension. A kernel with a subgroup path cannot guard it with a
// const (Dawn rejects subgroup builtins without `enable subgroups;` even in dead code), so such
// a kernel must keep that path in a source of its own, chosen by the op from the variant.
export interface ShaderVariant {
  readonly f16?: boolean;
  readonly subgroups?: boolean;
  /** f16 workgroup tiles (and, where a kernel says so, products) in a kernel that declares `math`; needs shader-f16. */
  readonly f16Math?: boolean;
  /** 8-bit activations and the packed integer dot product; needs WGSL's packed_4x8_integer_dot_product. */
  readonly int8Dot?: boolean;
}

const DOT_I8X4_PORTABLE = 'fn dot_i8x4(a: u32, b: u32) -> i32 { let s = vec4<u32>(24u, 16u, 8u, 0u); '
  + 'return dot(bitcast<vec4<i32>>(vec4<u32>(a) << s) >> vec4<u32>(24u), bitcast<vec4<i32>>(vec4<u32>(b) << s) >> vec4<u32>(24u)); }';

export function wgslVariant(source: string, v: ShaderVariant): string {
  const head: string[] = [];
  if (v.f16 || v.f16Math) head.push('enable f16;');
  if (v.subgroups) head.push('enable subgroups;');
  head.push(`alias act = ${v.f16 ? 'f16' : 'f32'};`);
  head.push(`alias math = ${v.f16Math ? 'f16' : 'f32'};`);
  head.push(`alias x_elem = ${v.int8Dot ? 'u32' : 'act'};`, `const X_INT8 = ${v.int8Dot ? 'true' : 'false'};`);
  head.push(v.int8Dot ? 'fn dot_i8x4(a: u32, b: u32) -> i32 { return dot4I8Packed(a, b); }' : DOT_I8X4_PORTABLE);
  return `${head.join('\n')}\n${source}`;
}
