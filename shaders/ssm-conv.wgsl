// Causal depthwise conv1d + bias + SiLU over n tokens, continuing from a carried conv state
// (Mamba-1 on x, Mamba-2 on xBC). Position i of the input sequence u is [state ; x]:
//   y[t, c] = silu(b[c] + Σ_k w[c, k] · u[t + k, c]),  k < D_CONV
// For a prefill chunk, two entry points, dispatched in this order:
//   ssm_conv        one invocation per (channel, token): writes y, only reads the state;
//   ssm_conv_state  one invocation per channel: the state becomes the last D_CONV-1 inputs.
// Splitting them keeps ssm_conv parallel over tokens without racing on the state it reads.
// For a few tokens (the decode step), ssm_conv_fused does both in one dispatch: one invocation
// per channel walks the tokens, then shifts that channel's state; it reads what the pair reads.
#include "ssm-common.wgsl"

override D_CONV: u32 = 4;
override WG: u32 = 64;

struct Params {
  n_tokens: u32,
  channels: u32,
  x_offset: u32,   // elements
  x_stride: u32,   // elements between tokens
  y_offset: u32,
  y_stride: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;           // (n_tokens, channels) at x_offset, row stride x_stride
@group(0) @binding(2) var<storage, read> w: array<f32>;           // (channels, D_CONV): ssm_conv1d ne {D_CONV, channels}
@group(0) @binding(3) var<storage, read> b: array<f32>;           // (channels)
@group(0) @binding(4) var<storage, read_write> state: array<f32>; // (D_CONV-1, channels), oldest input first
@group(0) @binding(5) var<storage, read_write> y: array<f32>;     // (n_tokens, channels) at y_offset, row stride y_stride

fn u(i: u32, c: u32) -> f32 {
  if (i + 1u < D_CONV) { return state[i * p.channels + c]; }
  return x[p.x_offset + (i + 1u - D_CONV) * p.x_stride + c];
}

// grid: (ceil(channels / WG), n_tokens)
@compute @workgroup_size(WG)
fn ssm_conv(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wid: vec3u) {
  let c = gid.x;
  let t = wid.y;
  if (c >= p.channels || t >= p.n_tokens) { return; }
  var acc = b[c];
  for (var k = 0u; k < D_CONV; k++) {
    acc += w[c * D_CONV + k] * u(t + k, c);
  }
  y[p.y_offset + t * p.y_stride + c] = silu(acc);
}

// grid: (ceil(channels / WG)). Slot r takes u[n_tokens + r]; ascending r reads a state slot only
// before this invocation overwrites it.
@compute @workgroup_size(WG)
fn ssm_conv_state(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  if (c >= p.channels) { return; }
  for (var r = 0u; r + 1u < D_CONV; r++) {
    state[r * p.channels + c] = u(p.n_tokens + r, c);
  }
}

// grid: (ceil(channels / WG)). Each channel's outputs, then its state, as the two entry points
// above compute them; a channel's state is read and written by its own invocation only.
@compute @workgroup_size(WG)
fn ssm_conv_fused(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  if (c >= p.channels) { return; }
  for (var t = 0u; t < p.n_tokens; t++) {
    var acc = b[c];
    for (var k = 0u; k < D_CONV; k++) {
      acc += w[c * D_CONV + k] * u(t + k, c);
    }
    y[p.y_offset + t * p.y_stride + c] = silu(acc);
  }
  for (var r = 0u; r + 1u < D_CONV; r++) {
    state[r * p.channels + c] = u(p.n_tokens + r, c);
  }
}
