// The small text variants of a kernel: structure that `override` constants cannot express.
// A variant prepends directives and type aliases; the .wgsl source uses the aliases:
//   `act` — the activation/storage float type for the variant (f16 where enabled, else f32);
//   `math` — a kernel's internal tile/arithmetic type: f16 with `f16Math` (activations may stay
//   f32 while a kernel multiplies in f16), else f32.
// `subgroups` only enables the extension. A kernel with a subgroup path cannot guard it with a
// const (Dawn rejects subgroup builtins without `enable subgroups;` even in dead code), so such
// a kernel must keep that path in a source of its own, chosen by the op from the variant.
export interface ShaderVariant {
  readonly f16?: boolean;
  readonly subgroups?: boolean;
  /** f16 workgroup tiles (and, where a kernel says so, products) in a kernel that declares `math`; needs shader-f16. */
  readonly f16Math?: boolean;
}

export function wgslVariant(source: string, v: ShaderVariant): string {
  const head: string[] = [];
  if (v.f16 || v.f16Math) head.push('enable f16;');
  if (v.subgroups) head.push('enable subgroups;');
  head.push(`alias act = ${v.f16 ? 'f16' : 'f32'};`);
  head.push(`alias math = ${v.f16Math ? 'f16' : 'f32'};`);
  return `${head.join('\n')}\n${source}`;
}
