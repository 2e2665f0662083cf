// RoPE helpers shared by rope.wgsl and rope-kv.wgsl.

// sin and cos of θ computed here rather than with the builtins: WGSL only promises 2^-11
// absolute error for sin/cos (SwiftShader uses that latitude: 1e-3 in the logits), far from the
// f32 precision the reference reaches. θ (up to ~10^5 rad at long contexts) is reduced into
// [-π, π] by multiples of 2π (Cody–Waite: k·6.28125 is exact for k < 2^16), then into
// [-π/4, π/4] by quadrants of π/2, where short Taylor polynomials are accurate to ~2e-9.
fn sincos(theta: f32) -> vec2f {
  let k = round(theta * 0.15915494309189535);
  let r1 = (theta - k * 6.28125) - k * 1.9353071795864769e-3;
  let q = round(r1 * 0.6366197723675814);
  let r = ((r1 - q * 1.5703125) - q * 4.837512969970703e-4) - q * 7.549789954891882e-8;
  let r2 = r * r;
  let s = r * (1.0 + r2 * (-1.0 / 6.0 + r2 * (1.0 / 120.0 + r2 * (-1.0 / 5040.0 + r2 * (1.0 / 362880.0)))));
  let c = 1.0 + r2 * (-0.5 + r2 * (1.0 / 24.0 + r2 * (-1.0 / 720.0 + r2 * (1.0 / 40320.0 + r2 * (-1.0 / 3628800.0)))));
  switch i32(q) {
    case 0: { return vec2f(s, c); }
    case 1: { return vec2f(c, -s); }
    case -1: { return vec2f(-c, s); }
    default: { return vec2f(-s, -c); }
  }
}
