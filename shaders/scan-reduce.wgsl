// The token-block reduction shared by the selective scans (ssm-scan.wgsl, ssd-scan.wgsl): a
// workgroup of CPW channels × D_STATE lanes puts the partial products h·C of up to TB tokens in
// workgroup memory, then lane s of channel j sums those of token s over the D_STATE lanes.
// The including shader declares the overrides D_STATE, CPW and TB (TB ≤ D_STATE).

// (TB, CPW, D_STATE) partials. Sized by the overrides: SwiftShader's compile time grows with it.
var<workgroup> red: array<f32, TB * CPW * D_STATE>;

/** Stores lane s's partial for token i (of the current block) of channel j. */
fn scan_put(i: u32, j: u32, s: u32, part: f32) {
  red[(i * CPW + j) * D_STATE + s] = part;
}

/** Σ over the lanes of token i's partials for channel j (after a barrier). */
fn scan_sum(i: u32, j: u32) -> f32 {
  var acc = 0.0;
  let base = (i * CPW + j) * D_STATE;
  for (var k = 0u; k < D_STATE; k++) {
    acc += red[base + k];
  }
  return acc;
}
