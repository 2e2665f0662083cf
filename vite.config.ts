import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import solid from 'vite-plugin-solid';
import { wgslVitePlugin } from './scripts/wgsl.mjs';
import { workboxPlugin } from './scripts/workbox-plugin.mjs';
import { cspMetaPlugin, DEV_CONNECT, extraConnectSources, MODEL_HOSTS, securityHeaders } from './scripts/csp.mjs';

// The CSP and its companions go on every response, workers and sw.js included (scripts/csp.mjs).
const extraConnect = extraConnectSources(process.env);

export default defineConfig({
  plugins: [wgslVitePlugin(), solid(), cspMetaPlugin(), workboxPlugin()],
  // The hosts the policy lets model downloads reach, for the app's own check (app/tasks/model-url.ts).
  // The Hub origin for repository listings: Hugging Face, or the e2e tests' loopback server
  // (EDGEWISE_HUB_BASE, which must also be in EDGEWISE_CSP_CONNECT); never set for a deployment.
  define: {
    __EDGEWISE_MODEL_HOSTS__: JSON.stringify([...MODEL_HOSTS, ...extraConnect]),
    __EDGEWISE_HUB_BASE__: JSON.stringify(process.env.EDGEWISE_HUB_BASE ?? ''),
  },
  resolve: {
    // The Markdown parser's browser build decodes entities through innerHTML; the plain build
    // uses a table, so no HTML parser is ever involved in rendering model output.
    alias: [{ find: /^decode-named-character-reference$/, replacement: fileURLToPath(new URL('node_modules/decode-named-character-reference/index.js', import.meta.url)) }],
  },
  // Relative asset URLs: the build works from any sub-path of any static host (README "Deploy").
  base: './',
  build: { target: 'es2022', outDir: 'dist/app', emptyOutDir: true },
  worker: { format: 'es', plugins: () => [wgslVitePlugin()] },
  preview: { host: '127.0.0.1', port: 5173, strictPort: true, headers: securityHeaders({ connect: extraConnect }) },
  server: { host: '127.0.0.1', port: 5173, headers: securityHeaders({ connect: [...DEV_CONNECT, ...extraConnect] }) },
  test: {
    environment: 'node',
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Solid's plugin would otherwise resolve the browser build in node tests. The Markdown
    // parser is inlined so that the alias above applies to it in tests too.
    server: { deps: { inline: [/micromark/, /mdast-util-/] } },
    projects: [
      { extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts'] } },
      // The GPU files of one worker share its process: one device (tests/gpu/fixture.ts) and so
      // one pipeline cache, so a pipeline an earlier file compiled (seconds each on SwiftShader
      // and lavapipe) is not compiled again by every file that loads a model of the same types.
      // A file that needs a device of its own acquires one (device-lost.test.ts).
      { extends: true, test: { name: 'gpu', include: ['tests/gpu/**/*.test.ts'], isolate: false } },
    ],
  },
});
