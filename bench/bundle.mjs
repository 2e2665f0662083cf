// Bundles a benchmark entry (which imports .wgsl shaders, so tsx alone cannot run it) into
// dist/bench/<name>.mjs with `webgpu` external, like the CLI bundle: the same file runs on a GPU
// machine that carries only Node and Dawn (../shared/gpu/pack.sh).
// Usage: node bench/bundle.mjs bench/kernels.ts
import { build } from 'esbuild';
import { basename } from 'node:path';
import { wgslEsbuildPlugin } from '../scripts/wgsl.mjs';

const entry = process.argv[2];
if (!entry) {
  console.error('usage: node bench/bundle.mjs <bench entry .ts>');
  process.exit(2);
}
await build({
  entryPoints: [entry],
  outfile: `dist/bench/${basename(entry).replace(/\.ts$/, '.mjs')}`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['webgpu'],
  plugins: [wgslEsbuildPlugin()],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
