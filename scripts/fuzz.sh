#!/usr/bin/env bash
# Mutation fuzzing of every parser of outside input (crates/cli/tests/mutation_fuzz.rs) for
# a wall-clock time per target, under a 4 GiB address-space limit so that an allocation
# sized by a hostile header aborts instead of succeeding quietly. Prints executions and
# findings per target; inputs that made a parser panic are saved under
# target/fuzz-findings/<target>/ (turn each into a regression test).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET=60] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
export TERRADL_DATA_DIR="${TERRADL_DATA_DIR:-$PWD/data/cache}"
export TERRADL_FUZZ_SECONDS="${1:-60}"
[ -n "${2:-}" ] && export TERRADL_FUZZ_SEED="$2"
# The same build as scripts/test.sh (one feature set).
cargo build --workspace --bins --tests
exe=$(cargo test --workspace --test mutation_fuzz --no-run 2>&1 | sed -n 's/.*Executable.*(\(.*mutation_fuzz-[0-9a-f]*\)).*/\1/p' | tail -1)
[ -x "$exe" ] || { echo "fuzz.sh: cannot find the mutation_fuzz test executable" >&2; exit 1; }
# Reads are capped below the address-space limit (2^28 samples = 1 GiB of f32), so a
# header that would pass that cap but not the limit is a finding, not noise.
export TERRADL_MAX_READ_SAMPLES=$((1 << 28))
echo "fuzz.sh: $TERRADL_FUZZ_SECONDS s per target, seed ${TERRADL_FUZZ_SEED:-default}, $exe"
if ! ( ulimit -v $((4 * 1024 * 1024)); "$exe" --nocapture --test-threads=1 ); then
    echo "fuzz.sh: the harness died (an abort is a finding): the last input of the target it was on is" \
         "target/tmp/mutation-fuzz-*/<target>.*" >&2
    exit 1
fi
