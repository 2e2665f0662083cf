import { defineConfig } from 'vitest/config';
import solid from 'vite-plugin-solid';
import { wgslVitePlugin } from './scripts/wgsl.mjs';

export default defineConfig({
  plugins: [wgslVitePlugin(), solid()],
  build: { target: 'es2022', outDir: 'dist/app', emptyOutDir: true },
  worker: { format: 'es', plugins: () => [wgslVitePlugin()] },
  preview: { host: '127.0.0.1', port: 5173, strictPort: true },
  server: { host: '127.0.0.1', port: 5173 },
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/gpu/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Solid's plugin would otherwise resolve the browser build in node tests.
    server: { deps: { inline: [] } },
  },
});
