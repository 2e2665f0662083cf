// The security headers: one policy (scripts/csp.mjs) for the servers, the static-host _headers
// file and the <meta> fallback; connections only to this origin and Hugging Face's hosts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, extraConnectSources, headersFile, MODEL_HOSTS, securityHeaders } from '../../../scripts/csp.mjs';

const directives = (policy: string) => new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...sources]) => [name, sources]));

describe('Content-Security-Policy', () => {
  it('allows connections only to this origin and the model hosts, and no framing', () => {
    const d = directives(contentSecurityPolicy());
    expect(d.get('connect-src')).toEqual(["'self'", 'https://huggingface.co', 'https://*.huggingface.co', 'https://*.hf.co']);
    expect(MODEL_HOSTS.every((h) => h.startsWith('https://'))).toBe(true);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(d.get('default-src')).toEqual(["'self'"]);
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('worker-src')).toEqual(["'self'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(contentSecurityPolicy()).not.toMatch(/unsafe-eval|wasm-unsafe-eval|\*(?!\.)|http:/);
  });

  it('the <meta> form leaves out frame-ancestors, which a <meta> policy may not hold', () => {
    const meta = directives(contentSecurityPolicy({ meta: true }));
    expect(meta.has('frame-ancestors')).toBe(false);
    expect(meta.get('connect-src')).toEqual(directives(contentSecurityPolicy()).get('connect-src'));
  });

  it('extra connect sources come only from EDGEWISE_CSP_CONNECT', () => {
    expect(extraConnectSources({})).toEqual([]);
    expect(extraConnectSources({ EDGEWISE_CSP_CONNECT: ' http://127.0.0.1:4175  ' })).toEqual(['http://127.0.0.1:4175']);
    expect(directives(contentSecurityPolicy({ connect: ['http://127.0.0.1:4175'] })).get('connect-src')).toContain('http://127.0.0.1:4175');
  });

  it('public/_headers is the generated file (regenerate: node -e "import(\'./scripts/csp.mjs\').then(m => process.stdout.write(m.headersFile()))" > public/_headers)', () => {
    const file = readFileSync(new URL('../../../public/_headers', import.meta.url), 'utf8');
    expect(file).toBe(headersFile());
    for (const [name, value] of Object.entries(securityHeaders())) expect(file).toContain(`  ${name}: ${value}\n`);
  });
});
