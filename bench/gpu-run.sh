#!/usr/bin/env bash
# One shot on a machine with a real GPU: the GPU test files (where vitest is installed; the f16
# variants run only where the adapter has shader-f16), bench:kernels and the real-shapes bench,
# each writing to bench/results/ with the adapter's name. Two steps:
#
#   here (with node_modules):   bash bench/gpu-run.sh prepare
#       builds dist/bench/kernels.mjs, dist/bench/real-shapes.mjs and dist/cli/edgewise.mjs and
#       packs .gpu-bundle/ (../shared/gpu/pack.sh: Node, dawn.node, the Vulkan loader; then
#       bench/pack-peer.sh: llama.cpp's Vulkan build through node-llama-cpp, the speed peer)
#   on the GPU machine:         bash bench/gpu-run.sh run [real-shapes models]
#       with .gpu-bundle and dist carried beside the working tree (device tool: carry
#       [".gpu-bundle", "dist"]); logs go to bench/results/gpu-run-<date>.log, and every result
#       file is copied to $OUT where the device tool sets it (what comes back from that machine)
#
# Nothing here is a figure until it has run on that machine; the adapter info is in every JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
step=${1:-}
case "$step" in
  prepare)
    node bench/bundle.mjs bench/kernels.ts
    node bench/bundle.mjs bench/real-shapes.ts
    node scripts/build-cli.mjs
    bash ../shared/gpu/pack.sh
    bash bench/pack-peer.sh
    echo "gpu-run: ready; carry .gpu-bundle and dist, then: bash bench/gpu-run.sh run"
    ;;
  run)
    models=${2:-granite-4.0-h-350m,qwen3-0.6b,jamba-reasoning-3b}
    [ -x .gpu-bundle/run.sh ] || { echo "gpu-run: .gpu-bundle is missing: run 'bash bench/gpu-run.sh prepare' first and carry it" >&2; exit 2; }
    [ -f dist/bench/kernels.mjs ] && [ -f dist/bench/real-shapes.mjs ] || { echo "gpu-run: dist/bench is missing: run the prepare step and carry dist" >&2; exit 2; }
    mkdir -p bench/results
    log=bench/results/gpu-run-$(date -u +%Y%m%dT%H%M%SZ).log
    # Real GPUs only: never fall back to SwiftShader here.
    export EDGEWISE_NATIVE_GPU=1
    unset VK_ICD_FILENAMES
    run() { echo "== $*" | tee -a "$log"; bash .gpu-bundle/run.sh "$@" 2>&1 | tee -a "$log"; }
    run node -e "import('webgpu').then(async ({create, globals}) => { Object.assign(globalThis, globals); const a = await create([]).requestAdapter(); console.log(JSON.stringify({ info: a && a.info, features: a && [...a.features] })); })"
    if [ -x node_modules/.bin/vitest ]; then
      run node_modules/.bin/vitest run tests/gpu
    else
      echo "== GPU test files NOT run: vitest is not installed on this machine (node_modules travels only as .gpu-bundle's webgpu)" | tee -a "$log"
    fi
    run bash -c 'nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.memory --format=csv 2>/dev/null || echo "nvidia-smi: not here"'
    # The peer: llama.cpp's own Vulkan build on the same files and prompts (bench/llama-peer.mjs).
    peers=
    if [ -f .gpu-bundle/peer.tar.xz ]; then
      mkdir -p /tmp/gpu-bundle && rm -rf /tmp/gpu-bundle/peer && tar -C /tmp/gpu-bundle -xJf .gpu-bundle/peer.tar.xz
      export EDGEWISE_PEER=/tmp/gpu-bundle/peer/llama-peer.mjs
      peers=vulkan
    else
      echo "== llama.cpp peer NOT run: .gpu-bundle/peer.tar.xz is missing (bench/pack-peer.sh)" | tee -a "$log"
    fi
    run node dist/bench/kernels.mjs
    if [ -n "$peers" ]; then
      run node dist/bench/real-shapes.mjs --models "$models" --prompt-tokens 512 --gen-tokens 64 --peers "$peers"
    else
      run node dist/bench/real-shapes.mjs --models "$models" --prompt-tokens 512 --gen-tokens 64 --no-llama-cpp
    fi
    if [ -n "${OUT:-}" ]; then mkdir -p "$OUT/results" && cp bench/results/* "$OUT/results/"; fi
    echo "gpu-run: done; results in bench/results/ (log $log)"
    ;;
  *)
    echo "usage: bash bench/gpu-run.sh (prepare | run [models])" >&2
    exit 2
    ;;
esac
