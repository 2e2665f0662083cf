// The small text variants of a kernel: structure that `override` constants cannot express.
// A variant prepends directives and type aliases; the .wgsl source uses the aliases:
//   `act` — the activation/storage float type for the variant (f16 where enabled, else f32).
// Sources that need subgroup operations guard them with the `SUBGROUPS` const (false → the
// portable workgroup-memory path is taken; the unused branch is compiled but never run).
export interface ShaderVariant {
  readonly f16?: boolean;
  readonly subgroups?: boolean;
}

export function wgslVariant(source: string, v: ShaderVariant): string {
  const head: string[] = [];
  if (v.f16) head.push('enable f16;');
  if (v.subgroups) head.push('enable subgroups;');
  head.push(`alias act = ${v.f16 ? 'f16' : 'f32'};`);
  head.push(`const SUBGROUPS: bool = ${v.subgroups ? 'true' : 'false'};`);
  return `${head.join('\n')}\n${source}`;
}
