// The app's Content-Security-Policy and companion security headers, in one place: the Vite
// preview and dev servers send them on every response (the page, the engine and pdf.js worker
// scripts, sw.js), public/_headers carries them for static hosts (a unit test keeps it equal to
// this), and index.html gets the policy as a <meta> fallback for hosts that set no headers.
// A <meta> policy covers only the page: workers get the policy of their own script's response,
// and frame-ancestors works only as a header.
//
// connect-src: this origin, and the hosts a model download goes to. Downloads come from Hugging
// Face: the catalog's URLs are https://huggingface.co/…/resolve/…, which redirect to its file
// CDNs (cdn-lfs*.huggingface.co, cas-bridge.xethub.hf.co and the like); a link the user pastes
// must be on those hosts too. No other host is ever contacted.
export const MODEL_HOSTS = ['https://huggingface.co', 'https://*.huggingface.co', 'https://*.hf.co'];

/**
 * The policy as a header value. `connect` adds connect-src sources (the dev server's HMR socket;
 * the e2e tests' loopback model server); `meta` leaves out what a <meta> policy may not hold.
 * @param {{ connect?: readonly string[], meta?: boolean }} [options]
 * @returns {string}
 */
export function contentSecurityPolicy({ connect = [], meta = false } = {}) {
  /** @type {[string, string[]][]} */
  const directives = [
    ['default-src', ["'self'"]],
    ['script-src', ["'self'"]],
    ['style-src', ["'self'", "'unsafe-inline'"]],
    ['img-src', ["'self'", 'data:', 'blob:']],
    ['font-src', ["'self'"]],
    ['worker-src', ["'self'"]],
    ['manifest-src', ["'self'"]],
    ['connect-src', ["'self'", ...MODEL_HOSTS, ...connect]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
  ];
  if (!meta) directives.push(['frame-ancestors', ["'none'"]]);
  return directives.map(([name, sources]) => `${name} ${sources.join(' ')}`).join('; ');
}

/**
 * Every header a server of the app sends with every response.
 * @param {{ connect?: readonly string[] }} [options]
 * @returns {Record<string, string>}
 */
export function securityHeaders(options = {}) {
  return {
    'Content-Security-Policy': contentSecurityPolicy(options),
    // For browsers that predate frame-ancestors.
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    // A model download tells the model host nothing about where it was asked from.
    'Referrer-Policy': 'no-referrer',
  };
}

/** The `_headers` file of Netlify and Cloudflare Pages: these headers on every path. */
export function headersFile() {
  const lines = Object.entries(securityHeaders()).map(([name, value]) => `  ${name}: ${value}`);
  return `# Generated from scripts/csp.mjs (npm test checks it); see README "Deploy".\n/*\n${lines.join('\n')}\n`;
}

/**
 * Extra connect-src sources for the preview and dev servers, from EDGEWISE_CSP_CONNECT
 * (space-separated origins; the e2e tests name their loopback model server there).
 * @param {Record<string, string | undefined>} env
 * @returns {string[]}
 */
export function extraConnectSources(env) {
  return (env.EDGEWISE_CSP_CONNECT ?? '').split(/\s+/).filter(Boolean);
}

/** What the dev server adds to connect-src: its HMR WebSocket. */
export const DEV_CONNECT = ['ws://127.0.0.1:*', 'ws://localhost:*'];

/**
 * Vite plugin: puts the policy into index.html as a <meta> fallback (first in <head>, before any
 * script).
 * @returns {import('vite').Plugin}
 */
export function cspMetaPlugin() {
  return {
    name: 'edgewise-csp-meta',
    transformIndexHtml: (_html, ctx) => [{
      tag: 'meta',
      attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy({ meta: true, connect: ctx.server ? DEV_CONNECT : [] }) },
      injectTo: 'head-prepend',
    }],
  };
}
