// The adapter's arithmetic rate: a compute-bound loop of vec4 fused multiply-adds in `math`
// (f16 where the probe asks for it, else f32), 8 independent chains per thread so that latency
// never bounds it, no memory traffic but one store per thread (which keeps the loop alive).
// `edgewise bench` divides prefill FLOP/s by this rate. FLOPs per thread: 2 · 4 · 8 · ITERS.
override ITERS: u32 = 4096u;
override WG: u32 = 256u;

@group(0) @binding(0) var<storage, read_write> out: array<f32>;  // (workgroups · WG)

@compute @workgroup_size(WG)
fn fma_probe(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  let s = math(f32(i & 7u) * 0.001);
  // Contracting multipliers near 1 keep every chain finite for any ITERS.
  let m = vec4<math>(0.999, 0.998, 0.997, 0.996);
  let c = vec4<math>(0.001);
  var a0 = vec4<math>(s); var a1 = a0 + c; var a2 = a1 + c; var a3 = a2 + c;
  var a4 = a3 + c; var a5 = a4 + c; var a6 = a5 + c; var a7 = a6 + c;
  for (var it = 0u; it < ITERS; it++) {
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
  }
  let t = (a0 + a1) + (a2 + a3) + (a4 + a5) + (a6 + a7);
  out[i] = f32(t.x + t.y + t.z + t.w);
}
