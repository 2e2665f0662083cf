// Builds the storage harness page (tests/e2e/harness/storage.html) for the e2e tests; served by
// `vite preview` on its own port beside the app (see playwright.config.ts). Never shipped.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { wgslVitePlugin } from '../../../scripts/wgsl.mjs';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  plugins: [wgslVitePlugin()],
  build: {
    target: 'es2022',
    outDir: fileURLToPath(new URL('../../../dist/harness', import.meta.url)),
    emptyOutDir: true,
    rollupOptions: { input: { storage: fileURLToPath(new URL('storage.html', import.meta.url)) } },
  },
  worker: { format: 'es', plugins: () => [wgslVitePlugin()] },
  preview: { host: '127.0.0.1', port: 4174, strictPort: true },
});
