#!/usr/bin/env node
// `npx edgewise …`: runs the bundled CLI, building it first when the bundle is missing
// (a checkout where `npm ci` ran with --ignore-scripts, say).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist/cli/edgewise.mjs');
if (!existsSync(bundle)) {
  const cwd = process.cwd();
  process.chdir(root);
  const { buildCli } = await import(pathToFileURL(join(root, 'scripts/build-cli.mjs')).href);
  await buildCli();
  process.chdir(cwd);
}
const { main } = await import(pathToFileURL(bundle).href);
process.exitCode = await main(process.argv.slice(2));
