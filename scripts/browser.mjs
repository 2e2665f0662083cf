// The Chromium the e2e tests drive: $CHROMIUM_PATH, else Debian's /usr/bin/chromium.
// Playwright's own browser download does not work on these machines.
import { existsSync } from 'node:fs';

export const INSTALL_HINT =
  'No Chromium found: install Debian\'s (`sudo apt-get install -y chromium libvulkan1`) or set CHROMIUM_PATH to a Chromium/Chrome binary.';

export function chromiumPath() {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

export function hasChromium() {
  return existsSync(chromiumPath());
}
