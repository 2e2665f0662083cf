import { describe, expect, it } from 'vitest';
import { allowedBySources, MODEL_SOURCES, modelUrlProblem } from '../../../app/tasks/model-url.ts';
import { MODEL_HOSTS } from '../../../scripts/csp.mjs';

describe('model links the policy allows', () => {
  it('this build checks against the policy\'s model hosts', () => {
    expect(MODEL_SOURCES.slice(0, MODEL_HOSTS.length)).toEqual(MODEL_HOSTS);
  });

  it('matches CSP host sources: scheme, exact host or a wildcard subdomain, default or named port', () => {
    const ok = [
      'https://huggingface.co/Qwen/Qwen3-0.6B-GGUF/resolve/main/Qwen3-0.6B-Q8_0.gguf',
      'https://HuggingFace.co/x.gguf',
      'https://cdn-lfs-us-1.huggingface.co/repos/x',
      'https://cas-bridge.xethub.hf.co/xet-bridge-us/x',
      'https://huggingface.co:443/x.gguf',
    ];
    for (const u of ok) expect(allowedBySources(u, MODEL_HOSTS), u).toBe(true);
    const refused = [
      'http://huggingface.co/x.gguf',
      'https://huggingface.co.evil.example/x.gguf',
      'https://evilhuggingface.co/x.gguf',
      'https://hf.co/x.gguf', // the bare domain is not in the policy, only its subdomains
      'https://huggingface.co:8443/x.gguf',
      'https://example.org/model.gguf',
      'ftp://huggingface.co/x',
      'not a url',
    ];
    for (const u of refused) expect(allowedBySources(u, MODEL_HOSTS), u).toBe(false);
    expect(allowedBySources('http://127.0.0.1:4175/m.gguf', ['http://127.0.0.1:4175'])).toBe(true);
    expect(allowedBySources('http://127.0.0.1:4176/m.gguf', ['http://127.0.0.1:4175'])).toBe(false);
  });

  it('says why a link is refused', () => {
    expect(modelUrlProblem('https://huggingface.co/a/b/resolve/main/m.gguf', MODEL_HOSTS)).toBeUndefined();
    expect(modelUrlProblem('https://example.org/m.gguf', MODEL_HOSTS)).toMatch(/only from Hugging Face .*this link is on example\.org\.$/);
    expect(modelUrlProblem('huggingface.co/m.gguf', MODEL_HOSTS)).toMatch(/not a web address/);
  });
});
