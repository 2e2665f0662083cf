// Loads a .wgsl file as text, resolving `#include "name.wgsl"` lines (paths relative to the
// including file) so that shared WGSL helpers live in one file. Each file is included once.
// Used by the Vite plugin (app, vitest) and the esbuild plugin (CLI bundle) alike.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const INCLUDE = /^[ \t]*#include[ \t]+"([^"]+)"[ \t]*$/gm;

export function loadWgsl(path, seen = new Set()) {
  const abs = resolve(path);
  if (seen.has(abs)) return '';
  seen.add(abs);
  const text = readFileSync(abs, 'utf8');
  return text.replace(INCLUDE, (_, name) => loadWgsl(resolve(dirname(abs), name), seen));
}

/** Every file a shader pulls in, for watch-mode invalidation. */
export function wgslDependencies(path, seen = new Set()) {
  loadWgsl(path, seen);
  return [...seen];
}

export function wgslVitePlugin() {
  return {
    name: 'edgewise-wgsl',
    enforce: 'pre',
    load(id) {
      const file = id.split('?')[0];
      if (!file.endsWith('.wgsl')) return null;
      for (const dep of wgslDependencies(file)) this.addWatchFile(dep);
      return `export default ${JSON.stringify(loadWgsl(file))};`;
    },
  };
}

export function wgslEsbuildPlugin() {
  return {
    name: 'edgewise-wgsl',
    setup(build) {
      build.onLoad({ filter: /\.wgsl$/ }, (args) => ({
        contents: `export default ${JSON.stringify(loadWgsl(args.path))};`,
        loader: 'js',
        watchFiles: wgslDependencies(args.path),
      }));
    },
  };
}
