// Runs the built `edgewise` command as a child process (the bundle that `npx edgewise` runs),
// returning its exit status and output whatever the status.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const ROOT = join(import.meta.dirname, '../..');

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Bundles cli/main.ts into dist/cli/edgewise.mjs (scripts/build-cli.mjs). */
export async function buildCli(): Promise<void> {
  await promisify(execFile)('node', ['scripts/build-cli.mjs'], { cwd: ROOT });
}

export function runCli(args: readonly string[]): Promise<CliRun> {
  return promisify(execFile)('node', [join(ROOT, 'cli/edgewise.mjs'), ...args], { cwd: ROOT, maxBuffer: 64 << 20 })
    .then((r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }))
    .catch((e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));
}

/** stderr without Dawn's own start-up noise (e.g. "error: XDG_RUNTIME_DIR is invalid …"), which is not ours. */
export function ownStderrLines(stderr: string): string[] {
  // Dawn and the Vulkan loader write their own notices (XDG_RUNTIME_DIR; lavapipe's "Warning:
  // max... artificially reduced"); the CLI never starts a line with "Warning: ".
  return stderr.split('\n').filter((l) => l.trim() !== '' && !l.includes('XDG_RUNTIME_DIR') && !l.startsWith('Warning: '));
}
