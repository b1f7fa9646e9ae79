#!/bin/sh
# Rebuilds the golden files in tests/RandSac.Tests/Fixtures/timm/ with timm's own code:
#   TIMM_SRC=/path/to/pytorch-image-models-v0.9.16 tests/fixtures-src/timm/make_timm_fixtures.sh
# Needs PyTorch for /usr/bin/python3 (Debian's python3-torch 1.13 was used) and a timm source
# tree (v0.9.16, no installation: it goes on PYTHONPATH). The tests themselves need no Python.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out="$root/tests/RandSac.Tests/Fixtures/timm"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
randsac() { dotnet run -c Release --project "$root/src/RandSac.Cli" -- "$@"; }

mkdir -p "$out"
# (b) a tiny RandSac encoder, exported for timm
randsac pretrain --model 32/2/4 --image-size 16 --synthetic-count 64 --batch 16 --max-steps 2 \
  --decoder-depth 1 --seed 3 --threads 1 --out "$work/run"
rm -rf "$out/randsac-export"
randsac export --checkpoint "$work/run" --out "$out/randsac-export"
# (a) timm's tiny ViT, its MAE-style checkpoint and timm's outputs for both
PYTHONPATH="${TIMM_SRC:?set TIMM_SRC to a timm source tree}" /usr/bin/python3 "$here/make_timm_fixtures.py" "$out"
du -sh "$out"
