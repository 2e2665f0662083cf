import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// `npm ci` refuses a lock that lacks any optional dependency named by a locked
// package; our registry drops foreign-platform binaries from `npm install`'s lock,
// so scripts/lock-foreign-platforms.mjs must run after every lock change.
describe('package-lock.json', () => {
  it('has an entry for every optional dependency of every locked package', () => {
    const lock = JSON.parse(readFileSync(new URL('../../../package-lock.json', import.meta.url), 'utf8')) as {
      packages: Record<string, { optionalDependencies?: Record<string, string> }>;
    };
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) {
        if (!lock.packages[`node_modules/${name}`] && !lock.packages[`${path}/node_modules/${name}`]) missing.push(`${path || '(root)'} → ${name}`);
      }
    }
    expect(missing, 'run `node scripts/lock-foreign-platforms.mjs`').toEqual([]);
  });
});
