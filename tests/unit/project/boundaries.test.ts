// The seams between the layers, as imports: model/ is platform-free; the engine (contract,
// runtime) is written against a Backend and knows neither the GPU nor its hosts; gpu/ knows no
// host; the app reaches the engine only through its contract and the worker client, and the GPU
// only through the engine. A scan of every import (static, dynamic, re-export) of every source file.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../support/cli.ts';

const LAYERS = ['model', 'engine', 'gpu', 'worker', 'app', 'cli'] as const;
type Layer = typeof LAYERS[number];

interface Import {
  readonly file: string;      // repository path of the importing file
  readonly target: string;    // repository path (relative imports) or package name
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|tsx|mts)$/.test(e.name)) out.push(path);
  }
  return out;
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;(=])import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;

function importsOf(file: string): Import[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const found: Import[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    const target = spec.startsWith('.') ? normalize(join(dirname(file), spec)) : spec;
    found.push({ file, target });
  }
  return found;
}

const all = LAYERS.flatMap((layer) => sourceFiles(layer).flatMap(importsOf));
const layerOf = (path: string): Layer | undefined => LAYERS.find((l) => path.startsWith(`${l}/`));
const from = (layer: Layer) => all.filter((i) => layerOf(i.file) === layer);
const show = (list: Import[]) => list.map((i) => `${i.file} → ${i.target}`).join('\n');

/** Packages that need a platform (a DOM, a GPU, Node, a browser store) — none may reach model/ or engine/. */
const PLATFORM_PACKAGES = /^(node:|webgpu$|idb-keyval|comlink|solid-js|workbox|pdfjs-dist|mammoth)/;

describe('layer boundaries', () => {
  it('finds the imports it checks (the scan itself works)', () => {
    expect(from('app').some((i) => i.target === 'engine/api.ts')).toBe(true);
    expect(from('gpu').some((i) => i.target.startsWith('model/'))).toBe(true);
    expect(from('engine').length).toBeGreaterThan(10);
  });

  it('model/ imports nothing of the other layers and no platform package', () => {
    const bad = from('model').filter((i) => (layerOf(i.target) !== undefined && layerOf(i.target) !== 'model') || PLATFORM_PACKAGES.test(i.target));
    expect(show(bad)).toBe('');
  });

  it('the engine imports only model/ and itself (the GPU is a Backend handed to it)', () => {
    const bad = from('engine').filter((i) => (layerOf(i.target) !== undefined && !['model', 'engine'].includes(layerOf(i.target)!)) || PLATFORM_PACKAGES.test(i.target));
    expect(show(bad)).toBe('');
  });

  it('gpu/ imports nothing from worker/, app/ or cli/', () => {
    const bad = from('gpu').filter((i) => ['worker', 'app', 'cli'].includes(layerOf(i.target) ?? ''));
    expect(show(bad)).toBe('');
  });

  it('worker/ and cli/ are hosts: they import no app code, and each other not at all', () => {
    expect(show(from('worker').filter((i) => ['app', 'cli'].includes(layerOf(i.target) ?? '')))).toBe('');
    expect(show(from('cli').filter((i) => ['app', 'worker'].includes(layerOf(i.target) ?? '')))).toBe('');
  });

  it('app/ reaches the engine through its contract and the worker client only, and never the GPU', () => {
    const bad = from('app').filter((i) => {
      const layer = layerOf(i.target);
      if (layer === 'gpu' || layer === 'cli') return true;
      if (layer === 'worker') return i.target !== 'worker/client.ts';
      return false;
    });
    expect(show(bad)).toBe('');
    const gpuCalls = sourceFiles('app').filter((f) => /navigator\.gpu|requestAdapter|requestDevice/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(gpuCalls.map((f) => relative('.', f)).join('\n')).toBe('');
  });
});
