// Bundles the CLI (cli/main.ts and everything it imports) into dist/cli/edgewise.mjs,
// with `webgpu` and `node-llama-cpp` left external, so the same file runs on a GPU machine
// that carries only Node and Dawn (see ../shared/gpu/pack.sh).
import { build } from 'esbuild';
import { wgslEsbuildPlugin } from './wgsl.mjs';

export async function buildCli() {
  await build({
    entryPoints: ['cli/main.ts'],
    outfile: 'dist/cli/edgewise.mjs',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    external: ['webgpu', 'node-llama-cpp'],
    plugins: [wgslEsbuildPlugin()],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await buildCli();
