// The models Edgewise offers, as data. URLs are Hugging Face `resolve/main` links to GGUF files
// of well-known repositories. sizeBytes is the Hub's listed size, rounded (for display and the
// space check before a download; the download itself trusts the server's Content-Range).
// `supported` follows engine/architectures.ts; unsupported ones are listed, never offered.
// `sha256` pins a file's bytes: a download that hashes to anything else is refused. Set it only
// from the Hub's own record of the file (its LFS sha256), never from a copy downloaded here;
// where it is absent, the hash of the bytes that arrived is recorded in the manifest instead.
import type { CatalogEntry } from '../engine/api.ts';
import { isArchitectureSupported } from '../engine/architectures.ts';

const HF = 'https://huggingface.co';

type Row = Omit<CatalogEntry, 'supported'>;

const ROWS: readonly Row[] = [
  {
    id: 'jamba-reasoning-3b-q4km', name: 'Jamba Reasoning 3B', quant: 'Q4_K_M', architecture: 'jamba',
    url: `${HF}/ai21labs/AI21-Jamba-Reasoning-3B-GGUF/resolve/main/jamba-reasoning-3b-Q4_K_M.gguf`,
    sizeBytes: 1_930_000_000, license: 'apache-2.0', contextLength: 262_144, minDevice: 'laptop',
    notes: 'Hybrid Mamba + attention with a 256K context; the model Edgewise is built around.',
  },
  {
    id: 'granite-4.0-h-350m-q4km', name: 'Granite 4.0 H 350M', quant: 'Q4_K_M', architecture: 'granitehybrid',
    url: `${HF}/ibm-granite/granite-4.0-h-350m-GGUF/resolve/main/granite-4.0-h-350m-Q4_K_M.gguf`,
    sizeBytes: 230_000_000, license: 'apache-2.0', contextLength: 32_768, minDevice: 'phone',
  },
  {
    id: 'granite-4.0-h-1b-q4km', name: 'Granite 4.0 H 1B', quant: 'Q4_K_M', architecture: 'granitehybrid',
    url: `${HF}/ibm-granite/granite-4.0-h-1b-GGUF/resolve/main/granite-4.0-h-1b-Q4_K_M.gguf`,
    sizeBytes: 900_000_000, license: 'apache-2.0', contextLength: 131_072, minDevice: 'tablet',
  },
  {
    id: 'qwen3-0.6b-q8', name: 'Qwen3 0.6B', quant: 'Q8_0', architecture: 'qwen3',
    url: `${HF}/Qwen/Qwen3-0.6B-GGUF/resolve/main/Qwen3-0.6B-Q8_0.gguf`,
    sizeBytes: 639_000_000, license: 'apache-2.0', contextLength: 40_960, minDevice: 'phone',
  },
  {
    id: 'qwen3-1.7b-q8', name: 'Qwen3 1.7B', quant: 'Q8_0', architecture: 'qwen3',
    url: `${HF}/Qwen/Qwen3-1.7B-GGUF/resolve/main/Qwen3-1.7B-Q8_0.gguf`,
    sizeBytes: 1_830_000_000, license: 'apache-2.0', contextLength: 40_960, minDevice: 'laptop',
  },
  {
    id: 'llama-3.2-1b-instruct-q4km', name: 'Llama 3.2 1B Instruct', quant: 'Q4_K_M', architecture: 'llama',
    url: `${HF}/bartowski/Llama-3.2-1B-Instruct-GGUF/resolve/main/Llama-3.2-1B-Instruct-Q4_K_M.gguf`,
    sizeBytes: 808_000_000, license: 'llama3.2', contextLength: 131_072, minDevice: 'phone',
  },
  {
    id: 'smollm2-360m-instruct-q8', name: 'SmolLM2 360M Instruct', quant: 'Q8_0', architecture: 'llama',
    url: `${HF}/HuggingFaceTB/SmolLM2-360M-Instruct-GGUF/resolve/main/smollm2-360m-instruct-q8_0.gguf`,
    sizeBytes: 386_000_000, license: 'apache-2.0', contextLength: 8_192, minDevice: 'phone',
  },
  {
    id: 'gemma-3-270m-it-q8', name: 'Gemma 3 270M IT', quant: 'Q8_0', architecture: 'gemma3',
    url: `${HF}/ggml-org/gemma-3-270m-it-GGUF/resolve/main/gemma-3-270m-it-Q8_0.gguf`,
    sizeBytes: 292_000_000, license: 'gemma', contextLength: 32_768, minDevice: 'phone',
    notes: 'Not offered yet: the engine has no gemma3 plan (sliding-window attention, GELU FFN).',
  },
  {
    id: 'lfm2-350m-q4km', name: 'LFM2 350M', quant: 'Q4_K_M', architecture: 'lfm2',
    url: `${HF}/LiquidAI/LFM2-350M-GGUF/resolve/main/LFM2-350M-Q4_K_M.gguf`,
    sizeBytes: 229_000_000, license: 'lfm1.0', contextLength: 32_768, minDevice: 'phone',
    notes: 'Not offered yet: the engine has no lfm2 plan (short gated convolutions).',
  },
];

export const CATALOG: readonly CatalogEntry[] = ROWS.map((r) => ({ ...r, supported: isArchitectureSupported(r.architecture) }));

export function catalogEntry(id: string): CatalogEntry | undefined {
  return CATALOG.find((e) => e.id === id);
}
