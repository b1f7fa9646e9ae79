#!/usr/bin/env bash
# Carries a study's records between a study folder and a folder kept in the repository, so a
# study that takes longer than a machine is kept can continue on another machine.
#
# usage: tools/study/carry.sh save    STUDY_FOLDER RECORDS_FOLDER
#        tools/study/carry.sh restore RECORDS_FOLDER STUDY_FOLDER
#
# save copies study.json, results.md/.png, the arms' configs and stage logs, and of every run
# whose pre-training is finished its config, metrics, pictures and evaluation records: records
# only, never checkpoints or TensorBoard events (a finished run's checkpoint is represented by its
# SHA-256 in study.json). A pre-training in progress is left out: on another machine it starts
# again from its config, with the same build. Save between runs, when no evaluation is pending:
# an evaluation needs its checkpoint, which is not carried.
#
# restore copies the records into a study folder that has no study.json yet, then
# `randsac study … --out STUDY_FOLDER` continues: finished stages are never redone.
# Needs jq.
set -euo pipefail

die() { echo "carry.sh: $*" >&2; exit 2; }
[[ $# -eq 3 ]] || die "usage: carry.sh save STUDY_FOLDER RECORDS_FOLDER | restore RECORDS_FOLDER STUDY_FOLDER"
command -v jq >/dev/null || die "jq is missing: apt-get install jq"
mode="$1" from="${2%/}" to="${3%/}"
[[ -f "$from/study.json" ]] || die "$from/study.json does not exist"

case "$mode" in
  save)
    mkdir -p "$to"
    rm -rf "$to/runs" "$to/configs" "$to/logs"
    for file in study.json results.md results.png; do
      [[ -f "$from/$file" ]] && cp "$from/$file" "$to/"
    done
    for folder in configs logs; do
      [[ -d "$from/$folder" ]] && cp -r "$from/$folder" "$to/"
    done
    # The run folders of finished pre-trainings (a baseline's records lie in its shape-of arm's folder).
    jq -r '.records[] | select(.kind == "pretrain" and ."wall-seconds".pretrain != null) | .folder' "$from/study.json" |
    while read -r run; do
      relative="${run#"$from"/}"
      [[ "$relative" != "$run" ]] || die "run folder $run is not inside $from"
      [[ -d "$run" ]] || continue
      mkdir -p "$to/$relative"
      find "$run" -maxdepth 1 -type f \( -name '*.json' -o -name '*.csv' -o -name '*.png' \) -exec cp {} "$to/$relative/" \;
    done
    echo "carry.sh: saved $(jq '[.records[] | select(."wall-seconds".pretrain != null)] | length' "$from/study.json") finished pre-training(s) of $from into $to" ;;
  restore)
    [[ -e "$to/study.json" ]] && die "$to/study.json exists: restore only into a study folder that has none"
    mkdir -p "$to"
    cp -r "$from/." "$to/"
    echo "carry.sh: restored $from into $to" ;;
  *) die "unknown mode $mode (save or restore)" ;;
esac
