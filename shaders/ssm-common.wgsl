// Activations shared by the recurrent kernels (ssm-conv, ssm-scan, ssd-scan), as llama.cpp
// computes them.

// log1p(exp x), and x itself above 20 where the two agree in f32.
fn softplus(x: f32) -> f32 {
  if (x > 20.0) { return x; }
  return log(1.0 + exp(x));
}

fn silu(x: f32) -> f32 {
  return x / (1.0 + exp(-x));
}
