#!/usr/bin/env bash
# The GPU path without a GPU: builds terradl with `--features wgpu` and runs
# crates/cli/tests/device_wgpu.rs on Mesa's software Vulkan driver (lavapipe, Debian
# `mesa-vulkan-drivers`, installed here when missing). scripts/test.sh calls it after the
# main suite; it needs the sample data (`terradl fetch-data`).
#
#   scripts/test-wgpu.sh [extra cargo test args]
#
# Without root and without lavapipe it says so and exits 0 (nothing can be installed);
# as root (CI) every failure is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export TERRADL_DATA_DIR="${TERRADL_DATA_DIR:-$PWD/data/cache}"
ICD=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json
if [ ! -f "$ICD" ]; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        echo "test-wgpu.sh: SKIPPED: Mesa's software Vulkan ($ICD) is missing and cannot be installed here (needs root + apt-get)" >&2
        exit 0
    fi
    echo "test-wgpu.sh: installing mesa-vulkan-drivers" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mesa-vulkan-drivers >/dev/null
fi
# Pin the software driver, so the figures do not depend on which GPU a machine has.
export VK_ICD_FILENAMES="$ICD"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
start=$(date +%s)
cargo test -p terradl-cli --features wgpu --test device_wgpu "$@"
echo "test-wgpu.sh: $(( $(date +%s) - start )) s" >&2
