// Builds the harness pages (tests/e2e/harness: storage.html, markdown.html) for the e2e tests;
// served by `vite preview` on its own port beside the app (see playwright.config.ts). Never shipped.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';
import { wgslVitePlugin } from '../../../scripts/wgsl.mjs';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  plugins: [wgslVitePlugin(), solid()],
  // As in the app's config: the Markdown parser decodes entities from a table, never through innerHTML.
  resolve: { alias: [{ find: /^decode-named-character-reference$/, replacement: fileURLToPath(new URL('../../../node_modules/decode-named-character-reference/index.js', import.meta.url)) }] },
  build: {
    target: 'es2022',
    outDir: fileURLToPath(new URL('../../../dist/harness', import.meta.url)),
    emptyOutDir: true,
    rollupOptions: { input: { storage: fileURLToPath(new URL('storage.html', import.meta.url)), markdown: fileURLToPath(new URL('markdown.html', import.meta.url)) } },
  },
  worker: { format: 'es', plugins: () => [wgslVitePlugin()] },
  preview: { host: '127.0.0.1', port: 4174, strictPort: true },
});
