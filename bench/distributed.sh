#!/usr/bin/env bash
# Times the pre-training step of each model in one process with all threads and on MPI ranks
# with one thread each, back to back, and prints one table: images/s, step time, the gradient
# Allreduce per step, and the other processes' CPU share while each was timed.
#
# usage: bench/distributed.sh [options]
#
#   --bin FILE       our CLI's RandSac.Cli.dll (default: dotnet build -c Release, then its output)
#   --models LIST    comma-separated presets (default: tiny,mini)
#   --ranks N        MPI ranks of the data-parallel run (default 2)
#   --threads N      threads of the single process (default 2); each rank gets threads / ranks
#   --batch N        global batch (default 64)
#   --precision P    fp32 or bf16 (default fp32)
#   --warmup N       untimed steps (default 3)
#   --steps N        timed steps (default 10)
#   --max-foreign F  largest CPU share other processes may use while timing (default 0.05)
#   --max-wait S     seconds to wait for an idle machine per run at most (default 1200)
#   --retries N      timed windows per run at most while others use the CPUs (default 3)
#   --out DIR        where the raw JSON lines go (default: a temporary folder)
#
# Needs MPICH (apt-get install mpich libmpich-dev) and jq.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="" MODELS="tiny,mini" RANKS=2 THREADS=2 BATCH=64 PRECISION=fp32 WARMUP=3 STEPS=10
MAX_FOREIGN=0.05 MAX_WAIT=1200 RETRIES=3 OUT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bin) BIN="$2"; shift 2 ;;
    --models) MODELS="$2"; shift 2 ;;
    --ranks) RANKS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --batch) BATCH="$2"; shift 2 ;;
    --precision) PRECISION="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --steps) STEPS="$2"; shift 2 ;;
    --max-foreign) MAX_FOREIGN="$2"; shift 2 ;;
    --max-wait) MAX_WAIT="$2"; shift 2 ;;
    --retries) RETRIES="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "distributed.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

die() { echo "distributed.sh: $*" >&2; exit 2; }
command -v mpiexec.mpich >/dev/null || die "mpiexec.mpich is missing: apt-get install mpich libmpich-dev"
command -v jq >/dev/null || die "jq is missing: apt-get install jq"
(( THREADS % RANKS == 0 )) || die "--threads $THREADS does not split over --ranks $RANKS"
if [[ -z "$BIN" ]]; then
  dotnet build -c Release src/RandSac.Cli >/dev/null
  BIN=src/RandSac.Cli/bin/Release/net10.0/RandSac.Cli.dll
fi
[[ -f "$BIN" ]] || die "$BIN does not exist"
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT"

common=(bench --batch "$BATCH" --precision "$PRECISION" --warmup "$WARMUP" --steps "$STEPS"
        --max-foreign "$MAX_FOREIGN" --max-wait "$MAX_WAIT" --retries "$RETRIES" --json)
for model in ${MODELS//,/ }; do
  echo "distributed.sh: $model, 1 process × $THREADS threads" >&2
  dotnet "$BIN" "${common[@]}" --model "$model" --threads "$THREADS" > "$OUT/$model-1.json"
  echo "distributed.sh: $model, $RANKS ranks × $((THREADS / RANKS)) thread(s)" >&2
  mpiexec.mpich -n "$RANKS" dotnet "$BIN" "${common[@]}" --model "$model" --threads "$((THREADS / RANKS))" > "$OUT/$model-$RANKS.json"
done

echo "| model | layout | images/s | ms/step (median) | Allreduce ms/step | Allreduce share | MiB reduced | foreign CPU | windows |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
for model in ${MODELS//,/ }; do
  for file in "$OUT/$model-1.json" "$OUT/$model-$RANKS.json"; do
    jq -r --arg model "$model" '"| \($model) | \(.ranks) × \(.threads) thread(s) | \(.images_per_s * 10 | round / 10) | \(.ms_median * 10 | round / 10) | \(if .ranks > 1 then (.allreduce_ms * 10 | round / 10 | tostring) else "–" end) | \(if .ranks > 1 then ((.allreduce_ms / .ms_mean * 1000 | round / 10 | tostring) + " %") else "–" end) | \(if .ranks > 1 then (.reduced_floats * 4 / 1048576 * 10 | round / 10 | tostring) else "–" end) | \(if .foreign_cpu == null then "?" else ((.foreign_cpu * 1000 | round / 10 | tostring) + " %") end) | \(.tries) |"' "$file"
  done
done
echo "raw results: $OUT" >&2
