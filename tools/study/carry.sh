#!/usr/bin/env bash
# Carries a study's records between a study folder and a folder kept in the repository, so a
# study that takes longer than a machine is kept can continue on another machine.
#
# usage: tools/study/carry.sh save    STUDY_FOLDER RECORDS_FOLDER
#        tools/study/carry.sh restore RECORDS_FOLDER STUDY_FOLDER
#
# save copies study.json, results.md/.png, the arms' configs and stage logs, and of every run
# whose pre-training is finished its config, metrics, pictures and evaluation records. A finished
# run's checkpoint is represented by its SHA-256 in study.json and is not carried, with one
# exception: an evaluation that was started and has not finished (the session ended during it, or
# it failed under --keep-going) needs its checkpoint to run again, so that checkpoint is carried
# too. A pre-training in progress is left out: on another machine it starts again from its config,
# with the same build. TensorBoard events are never carried.
#
# restore checks every carried checkpoint against the SHA-256 in study.json, then copies the
# records into a study folder that has no study.json yet; `randsac study … --out STUDY_FOLDER`
# then continues: finished stages are never redone.
# Needs jq.
set -euo pipefail

die() { echo "carry.sh: $*" >&2; exit 2; }
[[ $# -eq 3 ]] || die "usage: carry.sh save STUDY_FOLDER RECORDS_FOLDER | restore RECORDS_FOLDER STUDY_FOLDER"
command -v jq >/dev/null || die "jq is missing: apt-get install jq"
mode="$1" from="${2%/}" to="${3%/}"
checkpoint=checkpoint.safetensors
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
    # The checkpoints of runs with an evaluation started and not finished (a baseline's run is its shape-of arm's).
    carried=0
    while read -r run; do
      [[ -n "$run" && -f "$run/$checkpoint" ]] || continue
      relative="${run#"$from"/}"
      [[ "$relative" != "$run" ]] || die "run folder $run is not inside $from"
      mkdir -p "$to/$relative"
      cp "$run/$checkpoint" "$to/$relative/"
      carried=$((carried + 1))
    done < <(jq -r '.records[] | select(([(."started-by" // {}) | keys[] | select(. != "pretrain")] - ((.build // {}) | keys)) | length > 0) | .folder' "$from/study.json" | sort -u)
    [[ $carried -eq 0 ]] || echo "carry.sh: carried $carried checkpoint(s) of runs with an evaluation pending"
    echo "carry.sh: saved $(jq '[.records[] | select(."wall-seconds".pretrain != null)] | length' "$from/study.json") finished pre-training(s) of $from into $to" ;;
  restore)
    [[ -e "$to/study.json" ]] && die "$to/study.json exists: restore only into a study folder that has none"
    # A carried checkpoint must be the one its pre-training recorded, or the evaluations would judge other weights.
    while read -r file; do
      relative="${file#"$from"/}"
      run="${relative%/"$checkpoint"}"
      expected=$(jq -r --arg run "/$run" '.records[] | select(.kind == "pretrain" and (.folder | endswith($run))) | ."checkpoint-sha256" // empty' "$from/study.json" | head -n 1)
      [[ -n "$expected" ]] || die "$file: study.json has no finished pre-training for $run"
      actual=$(sha256sum "$file" | cut -d' ' -f1)
      [[ "$actual" == "$expected" ]] || die "$file: SHA-256 $actual, but study.json recorded $expected for $run"
    done < <(find "$from" -name "$checkpoint" -type f)
    mkdir -p "$to"
    cp -r "$from/." "$to/"
    echo "carry.sh: restored $from into $to" ;;
  *) die "unknown mode $mode (save or restore)" ;;
esac
