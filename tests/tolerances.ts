// Tolerances, stated once per computation dtype, with the reason for each.
import type { Tolerance } from './gpu/harness.ts';

export const TOLERANCE = {
  /**
   * f32 kernels vs the f32/f64 CPU reference: same math, different summation order. For a dot
   * product of length K with unit-scale terms the rounding error grows like sqrt(K)·2^-24·max|term|;
   * 1e-4 relative plus 1e-4 absolute covers K up to ~10^5 with a wide margin while still catching
   * any indexing mistake (which gives O(1) errors).
   */
  f32: { abs: 1e-4, rel: 1e-4 } satisfies Tolerance,
  /**
   * Transcendental-heavy f32 kernels (exp/softplus/SiLU in scans, softmax): WGSL allows exp/log
   * up to 3 + 2·|x| ULP, and recurrences accumulate it over steps, so allow 1e-3.
   */
  f32Transcendental: { abs: 1e-3, rel: 1e-3 } satisfies Tolerance,
  /**
   * f16 storage or arithmetic: 11-bit mantissa, unit roundoff 2^-11 ≈ 4.9e-4; sums of length K
   * in f16 can drift by ~sqrt(K)·4.9e-4 relative, so 1e-2 relative and 1e-2 absolute.
   */
  f16: { abs: 1e-2, rel: 1e-2 } satisfies Tolerance,
} as const;
