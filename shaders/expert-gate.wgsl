// Expert gating for the MoE matrix products. With GATED, a workgroup none of whose tokens routed
// to expert `p.gate_expert` does no work and writes nothing, so a decode step reads the weights of
// the chosen experts only. `gate_ids` is the MoE top-k output, (tokens, p.gate_k) expert ids; the
// including shader's Params has `gate_expert` and `gate_k`.
override GATED: bool = false;

@group(0) @binding(5) var<storage, read> gate_ids: array<u32>;

/** Whether any token in t0..t1 chose expert p.gate_expert (always true without GATED). */
fn expert_chosen(t0: u32, t1: u32) -> bool {
  if (!GATED) { return true; }
  for (var t = t0; t < t1; t++) {
    for (var j = 0u; j < p.gate_k; j++) {
      if (gate_ids[t * p.gate_k + j] == p.gate_expert) { return true; }
    }
  }
  return false;
}
