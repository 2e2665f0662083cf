// Vite plugin: after `vite build` writes dist/app, Workbox's generateSW writes dist/app/sw.js,
// precaching the app shell, its chunks, the engine and pdf.js workers, icons and manifest.
// Model bytes are never precached (they live in IndexedDB and are fetched by the worker).
export const PRECACHE_GLOBS = ['**/*.{html,js,mjs,css,svg,png,webmanifest,wasm,json}'];

export function workboxPlugin() {
  let outDir = 'dist/app';
  let enabled = false;
  return {
    name: 'edgewise-workbox',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
      // Only the app's own build (index.html at the root) gets a service worker.
      enabled = !config.build.rollupOptions?.input && !config.build.ssr;
    },
    async closeBundle() {
      if (!enabled) return;
      // Imported here so that loading the Vite/vitest config stays cheap.
      const { generateSW } = await import('workbox-build');
      const { count, size, warnings } = await generateSW({
        globDirectory: outDir,
        globPatterns: PRECACHE_GLOBS,
        // Store screenshots are for the install dialog only, never needed offline.
        globIgnores: ['sw.js', 'workbox-*.js', '**/*.gguf', 'screenshots/**'],
        swDest: `${outDir}/sw.js`,
        // The share target's POST handler (public/share-target.js), registered before Workbox's.
        importScripts: ['share-target.js'],
        // The pdf.js worker and the engine bundle are a few MB; they must be there offline.
        maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
        navigateFallback: 'index.html',
        clientsClaim: true,
        skipWaiting: false,
        cleanupOutdatedCaches: true,
        inlineWorkboxRuntime: true,
        sourcemap: false,
        mode: 'production',
      });
      for (const w of warnings) this.warn(w);
      this.info?.(`service worker: ${count} files, ${(size / 1e6).toFixed(1)} MB precached`);
    },
  };
}
