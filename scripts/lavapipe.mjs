// Mesa's lavapipe: a CPU Vulkan driver that, unlike SwiftShader, has `shader-f16` (Mesa 24 and
// later; Mesa 22's lacks features Dawn requires). `npm test` runs the GPU tests a second time on
// it so that every f16 kernel path runs on a real WebGPU device (tests/gpu/fixture.ts).
import { existsSync } from 'node:fs';

const ICD = '/usr/share/vulkan/icd.d/lvp_icd.json';

export const LAVAPIPE_HINT =
  `No lavapipe ICD at ${ICD} (Mesa ≥ 24): on Debian 12 run ` +
  '`sudo apt-get install -y -t bookworm-backports mesa-vulkan-drivers` (with bookworm-backports in ' +
  'the apt sources; .ci/run adds it), on newer Debian `sudo apt-get install -y mesa-vulkan-drivers`.';

export function lavapipeIcd() {
  return process.env.EDGEWISE_LAVAPIPE_ICD ?? ICD;
}

export function hasLavapipe() {
  return existsSync(lavapipeIcd());
}
