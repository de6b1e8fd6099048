#!/usr/bin/env bash
# The terradl test suite: fetch real sample data, prepare the Python venv that
# holds the GDAL peer (rasterio) used by interop tests, then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
scripts/fetch-data.sh
scripts/setup-venv.sh
scripts/setup-chromium.sh
cargo test --workspace --no-fail-fast "$@"
