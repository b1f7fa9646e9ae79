#!/usr/bin/env bash
# Projects data-parallel scaling with a ring-Allreduce cost model:
#   step(R) = compute(global batch / R images) + allreduce(R)
#   allreduce(R) = 2 (R − 1) / R × bytes / bandwidth + buckets × 2 (R − 1) × latency
# compute is a measured seconds-per-image of one node (from `randsac bench`), bytes are the
# float32 gradients (4 × parameters), buckets the 16 MiB pieces the two gradient buffers are reduced in.
#
# usage: bench/scaling-model.sh --seconds-per-image S --parameters P [options]
#   --batch N          global batch (default 4096)
#   --nodes LIST       world sizes, one rank per node (default 8,32,128)
#   --gbits LIST       link bandwidths in Gb/s (default 10,25,100)
#   --latency US       per-message latency in microseconds (default 10)
#   --images N         images per epoch (default 1281167, ImageNet-1K)
#   --epochs N         epochs of the recipe (default 1600)
#   --speedup X        a node X times faster than the measured one (default 1)
set -euo pipefail
SPI="" PARAMS="" BATCH=4096 NODES="8,32,128" GBITS="10,25,100" LATENCY=10 IMAGES=1281167 EPOCHS=1600 SPEEDUP=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds-per-image) SPI="$2"; shift 2 ;;
    --parameters) PARAMS="$2"; shift 2 ;;
    --batch) BATCH="$2"; shift 2 ;;
    --nodes) NODES="$2"; shift 2 ;;
    --gbits) GBITS="$2"; shift 2 ;;
    --latency) LATENCY="$2"; shift 2 ;;
    --images) IMAGES="$2"; shift 2 ;;
    --epochs) EPOCHS="$2"; shift 2 ;;
    --speedup) SPEEDUP="$2"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "scaling-model.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ -n "$SPI" && -n "$PARAMS" ]] || { echo "scaling-model.sh: --seconds-per-image and --parameters are needed" >&2; exit 2; }

awk -v spi="$SPI" -v params="$PARAMS" -v batch="$BATCH" -v nodes="$NODES" -v gbits="$GBITS" -v lat="$LATENCY" \
    -v images="$IMAGES" -v epochs="$EPOCHS" -v speedup="$SPEEDUP" 'BEGIN {
  bytes = 4 * params
  bucket = 4 * 4194304
  buckets = int((bytes + bucket - 1) / bucket) + 1  # the small undecayed buffer is reduced on its own
  steps = epochs * images / batch
  n = split(nodes, R, ","); m = split(gbits, G, ",")
  printf "gradient bytes per step: %.1f MB in %d buckets; %d steps in the recipe\n\n", bytes / 1e6, buckets, steps
  printf "| nodes | images/node | compute s/step | Gb/s | Allreduce s/step | efficiency | recipe wall time |\n"
  printf "|---:|---:|---:|---:|---:|---:|---:|\n"
  for (i = 1; i <= n; i++) {
    r = R[i]; local = batch / r; compute = local * spi / speedup
    for (j = 1; j <= m; j++) {
      bw = G[j] * 1e9 / 8
      comm = 2 * (r - 1) / r * bytes / bw + buckets * 2 * (r - 1) * lat * 1e-6
      step = compute + comm
      wall = steps * step
      if (wall >= 86400 * 365) t = sprintf("%.1f years", wall / (86400 * 365))
      else if (wall >= 86400) t = sprintf("%.1f days", wall / 86400)
      else t = sprintf("%.1f hours", wall / 3600)
      printf "| %d | %d | %.3f | %d | %.3f | %.1f %% | %s |\n", r, local, compute, G[j], comm, 100 * compute / step, t
    }
  }
}'
