// The npm registry this project installs from holds the platform binaries of
// node-llama-cpp for Linux only at the version we need, so `npm install` leaves
// the macOS/Windows/RISC-V optional packages out of package-lock.json, and then
// `npm ci` refuses the lock as "out of sync". This adds a lock entry, without
// download address, for every optional dependency the lock lacks, with the os
// and cpu its name states: npm skips those on a machine of another platform
// before it fetches anything. Run after any `npm install` that changes the lock.
import { readFileSync, writeFileSync } from 'node:fs';

const LOCK = new URL('../package-lock.json', import.meta.url);
const OS = { mac: 'darwin', darwin: 'darwin', win: 'win32', win32: 'win32', linux: 'linux' };
const CPU = { x64: 'x64', arm64: 'arm64', armv7l: 'arm', riscv64: 'riscv64', ia32: 'ia32' };

const lock = JSON.parse(readFileSync(LOCK, 'utf8'));
const packages = lock.packages;
let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (packages[key] || packages[`${path}/${key}`]) continue;
    const parts = name.split('/').pop().split('-');
    const os = parts.map((p) => OS[p]).find(Boolean);
    const cpu = parts.map((p) => CPU[p]).find(Boolean);
    if (!os || !cpu) throw new Error(`${name}: cannot tell its platform from the name; add its lock entry by hand`);
    packages[key] = { version, cpu: [cpu], dev: entry.dev || undefined, optional: true, os: [os] };
    added++;
  }
}
writeFileSync(LOCK, JSON.stringify(lock, null, 2) + '\n');
console.log(`package-lock.json: ${added} foreign-platform optional entries added`);
