#!/usr/bin/env bash
# The terradl test suite: build every crate and test once (one feature set, so
# burn is compiled once), fetch the real sample data with the freshly built
# binary, prepare the Python venv that holds the GDAL peer (rasterio) used by
# interop tests and the headless Chromium used by the report test, then run
# every test, then the wgpu build's device tests on software Vulkan
# (scripts/test-wgpu.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# Sample data in the checkout's git-ignored data/cache (the binary and tests
# default to the user cache, ~/.cache/terradl, when this is unset).
export TERRADL_DATA_DIR="${TERRADL_DATA_DIR:-$PWD/data/cache}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
start=$(date +%s)
cargo build --workspace --bins --tests
"${CARGO_TARGET_DIR:-target}/debug/terradl" fetch-data
scripts/setup-venv.sh
scripts/setup-chromium.sh
echo "test.sh: build + set-up took $(( $(date +%s) - start )) s" >&2
cargo test --workspace --no-fail-fast "$@"
# The GPU path (`--features wgpu`) on Mesa's software Vulkan, against the CPU.
scripts/test-wgpu.sh
echo "test.sh: total $(( $(date +%s) - start )) s" >&2
