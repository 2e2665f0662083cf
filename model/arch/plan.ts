// The layer plan: what an architecture file produces from a GGUF file and what both the CPU
// reference forward pass and the GPU scheduler walk. It names GGUF tensors and gives numbers;
// it knows nothing of GPUs, buffers or kernels.
//
// Shapes are ggml `ne`: innermost (contiguous) dimension first, the reverse of PyTorch. A weight
// with ne {K, N} maps K inputs to N outputs (y = W x).

/** One tensor the architecture expects, with the shape its hyper-parameters imply. */
export interface TensorSpec {
  readonly name: string;
  readonly ne: readonly number[];
}

export type RopeKind = 'none' | 'normal' | 'neox';

export interface RopePlan {
  /** 'normal' rotates pairs (2i, 2i+1); 'neox' rotates pairs (i, i + nRot/2); 'none' is NoPE. */
  readonly kind: RopeKind;
  /** Leading dimensions of each head that are rotated; the rest pass through. */
  readonly nRot: number;
  readonly freqBase: number;
  /** θ_i = pos · freqScale · freqBase^(-2i/nRot) (linear scaling: 1/factor). */
  readonly freqScale: number;
  /** Optional (nRot/2) tensor of per-frequency divisors (Llama-3.1 `rope_freqs.weight`). */
  readonly freqFactors?: string;
}

export interface AttentionMixer {
  readonly kind: 'attention';
  readonly nHead: number;
  readonly nHeadKv: number;
  readonly headDim: number;
  readonly rope: RopePlan;
  /** Multiplies Q·K before the softmax (usually 1/sqrt(headDim)). */
  readonly kqScale: number;
  readonly tensors: {
    /** (nEmbd → nHead·headDim), (nEmbd → nHeadKv·headDim) ×2, (nHead·headDim → nEmbd). */
    readonly q: string; readonly k: string; readonly v: string; readonly output: string;
    readonly qBias?: string; readonly kBias?: string; readonly vBias?: string; readonly outputBias?: string;
    /** Per-head RMSNorm weights (headDim), applied before RoPE (Qwen3). */
    readonly qNorm?: string; readonly kNorm?: string;
  };
}

export interface Mamba1Mixer {
  readonly kind: 'mamba1';
  readonly dInner: number;
  readonly dState: number;
  readonly dConv: number;
  readonly dtRank: number;
  /**
   * RMSNorm of dt, B and C before the dt projection and the scan: 'weighted' uses the
   * dtNorm/bNorm/cNorm tensors (Jamba), 'unweighted' plain RMS (Falcon-Mamba `ssm.dt_b_c_rms`).
   */
  readonly dtBcNorm: 'none' | 'weighted' | 'unweighted';
  readonly tensors: {
    /** nEmbd → 2·dInner: [x | z]. */
    readonly in: string;
    /** ne {dConv, dInner} and (dInner). */
    readonly conv1d: string; readonly conv1dBias: string;
    /** dInner → dtRank + 2·dState: [dt | B | C]. */
    readonly x: string;
    /** dtRank → dInner, plus bias (dInner). */
    readonly dt: string; readonly dtBias: string;
    /** A = -exp(A_log), stored as such: ne {dState, dInner}. D: (dInner). */
    readonly a: string; readonly d: string;
    readonly out: string;
    readonly dtNorm?: string; readonly bNorm?: string; readonly cNorm?: string;
  };
}

export interface Mamba2Mixer {
  readonly kind: 'mamba2';
  readonly dInner: number;
  readonly dState: number;
  readonly nGroup: number;
  readonly nHead: number;
  /** dInner / nHead. */
  readonly headDim: number;
  readonly dConv: number;
  readonly tensors: {
    /** nEmbd → [z (dInner) | xBC (dInner + 2·nGroup·dState) | dt (nHead)]. */
    readonly in: string;
    /** ne {dConv, dInner + 2·nGroup·dState} and its bias. */
    readonly conv1d: string; readonly conv1dBias: string;
    /** (nHead) each; A and D are one scalar per head (ne {1, nHead}). */
    readonly dtBias: string; readonly a: string; readonly d: string;
    /** Grouped RMSNorm weight, ne {dInner/nGroup, nGroup}. */
    readonly norm: string;
    readonly out: string;
  };
}

export type MixerPlan = AttentionMixer | Mamba1Mixer | Mamba2Mixer;

export interface DenseFfn {
  readonly kind: 'dense';
  readonly nFf: number;
  /** SwiGLU: down(silu(gate·x) * up·x). */
  readonly tensors: { readonly norm: string; readonly gate: string; readonly up: string; readonly down: string };
}

export interface MoeFfn {
  readonly kind: 'moe';
  readonly nExpert: number;
  readonly nExpertUsed: number;
  /** Hidden width of each expert. */
  readonly nFf: number;
  /** Router: softmax over experts, top nExpertUsed; renormalize the chosen weights to sum to 1? */
  readonly normalizeWeights: boolean;
  readonly tensors: {
    readonly norm: string;
    /** nEmbd → nExpert router logits. */
    readonly gateInp: string;
    /** ne {nEmbd, nFf, nExpert}, {nEmbd, nFf, nExpert}, {nFf, nEmbd, nExpert}. */
    readonly gateExps: string; readonly upExps: string; readonly downExps: string;
  };
  /** Always-on shared expert (SwiGLU) added to the routed output (Granite MoE shared). */
  readonly shared?: { readonly nFf: number; readonly gate: string; readonly up: string; readonly down: string };
}

export type FfnPlan = { readonly kind: 'none' } | DenseFfn | MoeFfn;

export interface LayerPlan {
  readonly index: number;
  /** RMSNorm weight (nEmbd) applied to the residual stream before the mixer. */
  readonly mixerNorm: string;
  readonly mixer: MixerPlan;
  readonly ffn: FfnPlan;
  /** Mixer and FFN outputs are multiplied by this before each residual add (Granite; else 1). */
  readonly residualScale: number;
}

export interface ModelPlan {
  /** `general.architecture`. */
  readonly arch: string;
  readonly nEmbd: number;
  readonly nLayer: number;
  readonly nVocab: number;
  /** Context length the model was trained for (`context_length`). */
  readonly nCtxTrain: number;
  /** RMSNorm epsilon used by every norm of the model. */
  readonly normEps: number;
  /** ne {nEmbd, nVocab}. */
  readonly tokenEmbedding: string;
  /** Rows multiplied by this after the lookup (Granite `embedding_scale`; else 1). */
  readonly embeddingScale: number;
  readonly outputNorm: string;
  /** ne {nEmbd, nVocab}; equals tokenEmbedding when `tied`. */
  readonly output: string;
  readonly tied: boolean;
  /** Logits are divided by this (Granite `logit_scale`; else 1). */
  readonly logitScale: number;
  readonly layers: readonly LayerPlan[];
  /** Every tensor the plan names, once, with its validated shape: what a loader uploads. */
  readonly tensors: readonly TensorSpec[];
}
