#!/usr/bin/env bash
# Times our pre-training step and the PyTorch reference step on the same configurations,
# back to back, each after waiting for an idle machine, and prints the ratios.
#
# usage: bench/compare.sh --ref /path/to/pytorch_ref [options]
#        RANDSAC_REF=/path/to/pytorch_ref bench/compare.sh [options]
#
#   --ref DIR|FILE   the reference's folder (holding bench.py and randsac_ref.py) or its bench.py
#   --bin FILE       our CLI (default: dotnet publish -c Release into a temporary folder)
#   --batch N        images per step (default 64)
#   --warmup N       untimed steps (default 3)
#   --steps N        timed steps (default 10)
#   --threads N      intra-op threads of our step (default 2; the reference always uses 2)
#   --configs LIST   comma-separated, from: randsac_hier16to4_skip, randsac_hier16to4_noskip,
#                    randsac_patchrandom64_skip, mae_75pct (default: all but patchrandom)
#   --max-foreign F  largest CPU share other processes may use while timing (default 0.05)
#   --max-wait S     seconds to wait for an idle machine per run at most (default 1200)
#   --retries N      timed windows per run at most while others use the CPUs (default 3)
#   --out DIR        where the raw JSON lines go (default: a temporary folder)
#   --install        apt-get install the reference's packages if they are missing (needs root)
#
# The reference needs Debian's PyTorch and OpenBLAS and runs with the system python:
#   apt-get install -y python3-torch libopenblas0-openmp      # then /usr/bin/python3
# (without libopenblas0-openmp, Debian's torch falls back to the netlib reference BLAS, ~30x slower).
set -euo pipefail

REF="${RANDSAC_REF:-}"
BIN="${RANDSAC_BIN:-}"
BATCH=64 WARMUP=3 STEPS=10 THREADS=2 MAX_FOREIGN=0.05 MAX_WAIT=1200 RETRIES=3 OUT="" INSTALL=0
CONFIGS="randsac_hier16to4_skip,randsac_hier16to4_noskip,mae_75pct"
PY=/usr/bin/python3

while [[ $# -gt 0 ]]; do
  case "$1" in
    --ref) REF="$2"; shift 2 ;;
    --bin) BIN="$2"; shift 2 ;;
    --batch) BATCH="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --steps) STEPS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --configs) CONFIGS="$2"; shift 2 ;;
    --max-foreign) MAX_FOREIGN="$2"; shift 2 ;;
    --max-wait) MAX_WAIT="$2"; shift 2 ;;
    --retries) RETRIES="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --install) INSTALL=1; shift ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

die() { echo "compare.sh: $*" >&2; exit 2; }

[[ -n "$REF" ]] || die "where is the PyTorch reference? pass --ref DIR or set RANDSAC_REF (the folder with bench.py and randsac_ref.py)"
[[ -f "$REF" ]] && REF="$(dirname "$REF")"
[[ -f "$REF/bench.py" && -f "$REF/randsac_ref.py" ]] || die "$REF has no bench.py and randsac_ref.py"

if ! "$PY" -c "import torch" 2>/dev/null || [[ ! -e /usr/lib/x86_64-linux-gnu/openblas-openmp ]]; then
  if [[ $INSTALL == 1 ]]; then
    apt-get update && apt-get install -y python3-torch libopenblas0-openmp
  else
    die "the reference needs: apt-get install -y python3-torch libopenblas0-openmp (or run with --install)"
  fi
fi

REPO="$(cd "$(dirname "$0")/.." && pwd)"
if [[ -z "$BIN" ]]; then
  PUB="$(mktemp -d /tmp/randsac-compare-bin.XXXXXX)"
  echo "building: dotnet publish -c Release -o $PUB src/RandSac.Cli" >&2
  (cd "$REPO" && dotnet publish -c Release -o "$PUB" src/RandSac.Cli >/dev/null)
  BIN="$PUB/RandSac.Cli"
fi
[[ -x "$BIN" ]] || die "$BIN is not an executable"
[[ -n "$OUT" ]] || OUT="$(mktemp -d /tmp/randsac-compare.XXXXXX)"
mkdir -p "$OUT"

# Blocks until other processes used at most MAX_FOREIGN of the CPUs for 10 s in a row
# (or MAX_WAIT passed); prints the seconds waited.
wait_idle() {
  "$PY" - "$MAX_FOREIGN" "$MAX_WAIT" <<'PYEOF'
import sys, time
limit, max_wait = float(sys.argv[1]), float(sys.argv[2])
def sample():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return sum(v) - v[3] - v[4], sum(v)
t0, quiet = time.time(), 0
while quiet < 10 and time.time() - t0 < max_wait:
    b1, a1 = sample(); time.sleep(1); b2, a2 = sample()
    quiet = quiet + 1 if a2 > a1 and (b2 - b1) / (a2 - a1) <= limit else 0
print(f"{time.time() - t0:.0f}")
PYEOF
}

ours_args() {
  case "$1" in
    randsac_hier16to4_skip) echo "--method randsac --segments square:2 --order hier:4 --skip true" ;;
    randsac_hier16to4_noskip) echo "--method randsac --segments square:2 --order hier:4 --skip false" ;;
    randsac_patchrandom64_skip) echo "--method randsac --segments square:1 --order random --skip true" ;;
    mae_75pct) echo "--method mae --mask-ratio 0.75" ;;
    *) die "unknown config $1" ;;
  esac
}

echo "# our step vs the PyTorch reference, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "- machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; threads $THREADS; batch $BATCH; $WARMUP warm-up + $STEPS timed steps"
echo "- reference: $REF (torch $("$PY" -c 'import torch; print(torch.__version__)'))"
echo "- ours: $BIN"
echo "- raw results: $OUT"
echo

for name in ${CONFIGS//,/ }; do
  args="$(ours_args "$name")"
  # reference: its --one mode does not wait, so wait here and repeat a contended window
  for try in $(seq 1 "$RETRIES"); do
    waited="$(wait_idle)"
    (cd "$REF" && OMP_NUM_THREADS="$THREADS" "$PY" bench.py --one "$name" "$BATCH" --warmup "$WARMUP" --steps "$STEPS") \
      | tail -1 > "$OUT/$name.ref.json"
    foreign="$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['foreign_cpu'])" "$OUT/$name.ref.json")"
    echo "reference $name: try $try, waited ${waited}s, foreign CPU $foreign" >&2
    "$PY" -c "import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)" "$foreign" "$MAX_FOREIGN" && break
  done
  for precision in fp32 bf16; do
    # shellcheck disable=SC2086
    "$BIN" bench $args --model tiny --image-size 32 --patch 4 --batch "$BATCH" --precision "$precision" \
      --threads "$THREADS" --warmup "$WARMUP" --steps "$STEPS" --max-foreign "$MAX_FOREIGN" --max-wait "$MAX_WAIT" --retries "$((RETRIES - 1))" --json \
      > "$OUT/$name.$precision.json"
    echo "ours $name $precision: done" >&2
  done
done

"$PY" - "$OUT" "${CONFIGS//,/ }" <<'PYEOF'
import json, sys, os
out, names = sys.argv[1], sys.argv[2].split()
print("| config | ref img/s | ours fp32 img/s | ratio | ours bf16 img/s | ratio | ref / fp32 / bf16 peak RSS MiB | foreign CPU ref / fp32 / bf16 |")
print("|---|---|---|---|---|---|---|---|")
for n in names:
    ref = json.load(open(os.path.join(out, f"{n}.ref.json")))
    f32 = json.load(open(os.path.join(out, f"{n}.fp32.json")))
    b16 = json.load(open(os.path.join(out, f"{n}.bf16.json")))
    # mean step time for both sides (the reference reports batch / mean)
    r = ref["img_s"]; a = f32["batch"] / (f32["ms_mean"] / 1e3); b = b16["batch"] / (b16["ms_mean"] / 1e3)
    fc = lambda x: "n/a" if x is None else f"{100 * x:.1f}%"
    print(f"| {n} | {r:.1f} | {a:.1f} | {a / r:.2f}x | {b:.1f} | {b / r:.2f}x | "
          f"{ref['peak_rss_mb']:.0f} / {f32['peak_rss_mib']:.0f} / {b16['peak_rss_mib']:.0f} | "
          f"{fc(ref['foreign_cpu'])} / {fc(f32['foreign_cpu'])} / {fc(b16['foreign_cpu'])} |")
print()
print("img/s = batch / mean step time on both sides; ratio = ours / reference.")
PYEOF
