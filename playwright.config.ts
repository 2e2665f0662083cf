import { defineConfig } from '@playwright/test';
import { chromiumPath } from './scripts/browser.mjs';
import { MODEL_SERVER_ORIGIN, TEST_HUB_BASE } from './tests/e2e/support/ports.ts';

export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 120_000,
  workers: 1,
  reporter: [['list'], ['json', { outputFile: '.test-out/e2e.json' }]],
  use: {
    baseURL: 'http://127.0.0.1:4173',
    launchOptions: {
      executablePath: chromiumPath(),
      args: ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader', '--no-sandbox', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  webServer: [{
    command: 'npx vite build --logLevel warn && npx vite preview --port 4173 --strictPort',
    // The app's CSP (sent by vite preview) lets the worker download from the tests' model server.
    // Repository links are listed from a loopback Hub mounted at /hub on that server, so that
    // the tests never contact Hugging Face (app-links.spec.ts).
    env: { EDGEWISE_CSP_CONNECT: MODEL_SERVER_ORIGIN, EDGEWISE_HUB_BASE: TEST_HUB_BASE },
    url: 'http://127.0.0.1:4173',
    reuseExistingServer: false,
    timeout: 180_000,
  }, {
    // The storage tests' harness page (tests/e2e/harness), built and served beside the app.
    command: 'npx vite build --config tests/e2e/harness/vite.config.ts --logLevel warn && npx vite preview --config tests/e2e/harness/vite.config.ts',
    url: 'http://127.0.0.1:4174/storage.html',
    reuseExistingServer: false,
    timeout: 180_000,
  }],
});
