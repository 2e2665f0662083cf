// The shared llama.cpp fixtures (../shared/fixtures), read in place: the model and vocabulary GGUF
// of every case in index.json, with its manifest.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));

export interface FixtureCase {
  name: string;
  kind: 'model' | 'tokenizer';
  gguf: string;
  manifest: any;
}

export function fixtureCases(): FixtureCase[] {
  const index = JSON.parse(readFileSync(join(FIXTURES, 'index.json'), 'utf8'));
  return index.cases.map((c: { case: string; kind: 'model' | 'tokenizer' }) => ({
    name: c.case,
    kind: c.kind,
    gguf: join(FIXTURES, c.case, c.kind === 'model' ? 'model.gguf' : 'vocab.gguf'),
    manifest: JSON.parse(readFileSync(join(FIXTURES, c.case, 'manifest.json'), 'utf8')),
  }));
}

export function fixtureBytes(name: string): Uint8Array {
  const c = fixtureCases().find((f) => f.name === name);
  if (!c) throw new Error(`no fixture ${name}`);
  return new Uint8Array(readFileSync(c.gguf));
}
