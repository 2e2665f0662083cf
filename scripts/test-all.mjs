// `npm test`: every runner (vitest: unit + GPU on SwiftShader; vitest: the numeric GPU suites again on
// lavapipe for the f16 paths; Playwright: e2e), then one closing line
// `N passed, N failed` summing them all. Exits non-zero if any test failed or a runner broke.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { hasChromium, INSTALL_HINT } from './browser.mjs';
import { hasLavapipe, LAVAPIPE_HINT, lavapipeIcd } from './lavapipe.mjs';

if (!hasChromium()) {
  console.error(INSTALL_HINT);
  process.exit(1);
}
if (!hasLavapipe()) {
  console.error(LAVAPIPE_HINT);
  process.exit(1);
}

const OUT = '.test-out';
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

function run(label, cmd, args, env = {}) {
  console.log(`\n== ${label}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

function readJson(path) {
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
}

const extra = process.argv.slice(2);
const unitStatus = run('unit + gpu (vitest)', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${OUT}/unit.json`, ...extra]);
// The GPU tests that compute numbers run again on lavapipe, whose shader-f16 makes the f16 paths
// (activations, KV cache) run: every kernel against its CPU reference, and the engine against
// llama.cpp (every fixture, the random differential models, the MoE variants). This pass also
// gives the device only WebGPU's default limits (what the weakest phone grants), where the
// first pass has the adapter's raised ones (tests/gpu/fixture.ts), so every kernel and every
// fixture model is shown to need no more.
// The other GPU files test logic that does not depend on the device or on f16 (the CLI's
// contract, scheduling and batching, submit-ahead, faults and device loss, stops): they run in
// the first pass only, as said on the console, to keep CI within its budget.
const F16_SUITES = [
  'tests/gpu/device.test.ts', 'tests/gpu/matmul', 'tests/gpu/transformer', 'tests/gpu/mamba', 'tests/gpu/ops', 'tests/gpu/grammar',
  'tests/gpu/engine/session-fixtures.test.ts', 'tests/gpu/engine/differential.test.ts', 'tests/gpu/engine/moe-variants.test.ts',
];
console.log(`\n(lavapipe pass: ${F16_SUITES.join(', ')}; the other GPU files run in the first pass only)`);
const f16Status = run('gpu, f16 paths and default limits on lavapipe (vitest)', 'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${OUT}/f16.json`, ...F16_SUITES,
    // lavapipe compiles the fused decode GEMV (three weight types per pipeline) in tens of
    // seconds per variant, and a fixture test compiles several: more time per test here.
    '--testTimeout=600000', '--hookTimeout=600000'],
  // On a clean machine (CI) Mesa's shader cache is empty and lavapipe's LLVM compiles every
  // pipeline: the pass is mostly compile time. GALLIVM_PERF=no_opt skips LLVM's optimization
  // passes (the same kernels, run less fast): the fused GEMV file went from 709 s to 303 s cold.
  { VK_ICD_FILENAMES: lavapipeIcd(), EDGEWISE_REQUIRE_F16: '1', EDGEWISE_GPU_LIMITS: 'default', GALLIVM_PERF: 'no_opt' });
const e2eStatus = run('e2e (playwright)', 'npx', ['playwright', 'test']);

let passed = 0, failed = 0, skipped = 0;
for (const file of ['unit.json', 'f16.json']) {
  const unit = readJson(`${OUT}/${file}`);
  if (unit) {
    passed += unit.numPassedTests;
    failed += unit.numFailedTests;
    skipped += unit.numPendingTests + (unit.numTodoTests ?? 0);
  } else failed += 1;
}
const e2e = readJson(`${OUT}/e2e.json`);
if (e2e) {
  passed += e2e.stats.expected + e2e.stats.flaky;
  failed += e2e.stats.unexpected;
  skipped += e2e.stats.skipped;
} else failed += 1;

const broken = [unitStatus, f16Status, e2eStatus].some((s) => s !== 0) && failed === 0;
if (broken) failed += 1; // a runner failed outside any test (compile error, server did not start)
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || [unitStatus, f16Status, e2eStatus].some((s) => s !== 0) ? 1 : 0);
