#!/usr/bin/env bash
# Packs the speed peer — llama.cpp through node-llama-cpp's prebuilt Vulkan binary — for a GPU
# machine that has no network and no node_modules: .gpu-bundle/peer.tar.xz holds
#   peer/llama-peer.mjs                          bench/llama-peer.mjs
#   peer/node_modules/node-llama-cpp/…           its JavaScript and the few llama/*.json it reads
#                                                (not the 35 MB llama.cpp source bundle)
#   peer/node_modules/<its dependencies>/…
#   peer/node_modules/@node-llama-cpp/linux-x64-vulkan/…   the Vulkan build (≈10 MB compressed)
# bench/gpu-run.sh unpacks it there and runs the peer with the bundle's Node.
# CUDA is left out on purpose: its build needs the CUDA runtime libraries of
# @node-llama-cpp/linux-x64-cuda-ext (≈360 MB), more than a device call can carry.
# Usage, from the project root after `npm ci` (bench/gpu-run.sh prepare calls it):
#   bash bench/pack-peer.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=.gpu-bundle
[ -d node_modules/node-llama-cpp ] || { echo "pack-peer.sh: node_modules/node-llama-cpp is missing: run 'npm ci' first" >&2; exit 2; }
[ -d node_modules/@node-llama-cpp/linux-x64-vulkan ] || { echo "pack-peer.sh: the Vulkan build @node-llama-cpp/linux-x64-vulkan is not installed" >&2; exit 2; }
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/peer/node_modules" "$out"
cp bench/llama-peer.mjs "$stage/peer/"
# node-llama-cpp and everything it imports at run time (its dependencies, recursively; the
# prebuilt-binary packages are chosen below).
deps=$(node -e "
const fs = require('fs');
const seen = new Set(), queue = ['node-llama-cpp'];
while (queue.length) {
  const name = queue.pop();
  if (seen.has(name)) continue;
  let pkg;
  try { pkg = JSON.parse(fs.readFileSync('node_modules/' + name + '/package.json', 'utf8')); } catch { continue; }
  seen.add(name);
  for (const d of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) if (!d.startsWith('@node-llama-cpp/')) queue.push(d);
}
console.log([...seen].join('\n'));")
for d in $deps; do
  mkdir -p "$stage/peer/node_modules/$(dirname "$d")"
  if [ "$d" = node-llama-cpp ]; then
    mkdir -p "$stage/peer/node_modules/node-llama-cpp/llama"
    cp -r node_modules/node-llama-cpp/{dist,bins,package.json} "$stage/peer/node_modules/node-llama-cpp/"
    cp node_modules/node-llama-cpp/llama/*.json "$stage/peer/node_modules/node-llama-cpp/llama/"
  else
    cp -r "node_modules/$d" "$stage/peer/node_modules/$d"
  fi
done
mkdir -p "$stage/peer/node_modules/@node-llama-cpp"
cp -r node_modules/@node-llama-cpp/linux-x64-vulkan "$stage/peer/node_modules/@node-llama-cpp/"
tar -C "$stage" -cf - peer | xz -T0 -6 > "$out/peer.tar.xz"
echo "pack-peer.sh: $out/peer.tar.xz ($(du -h "$out/peer.tar.xz" | cut -f1))"
