#!/usr/bin/env bash
# Carries a study's records between a study folder and a folder kept in the repository, so a
# study that takes longer than a machine is kept can continue on another machine.
#
# usage: tools/study/carry.sh save [--in-progress] STUDY_FOLDER RECORDS_FOLDER
#        tools/study/carry.sh restore RECORDS_FOLDER STUDY_FOLDER
#
# save copies study.json, results.md/.png, the arms' configs and stage logs, and of every run
# whose pre-training is finished its config, metrics, pictures and evaluation records. A finished
# run's checkpoint is represented by its SHA-256 in study.json and is not carried, with one
# exception: an evaluation of its weights that was started and has not finished (the session ended
# during it, or it failed under --keep-going) needs its checkpoint to run again, so that checkpoint
# is carried too (a random baseline needs only the run's config.json). A pre-training in
# progress is left out: on another machine it starts again from its config, with the same build.
# With --in-progress it is carried instead (its config, metrics and latest checkpoint, whose
# SHA-256 goes into in-progress.sha256), so that the next machine continues it
# from that step: for a pre-training longer than a machine is kept, into a records folder outside
# the repository (a checkpoint is 24 MB for `mini`'s two-stream arm). TensorBoard events are never
# carried.
#
# restore checks every carried checkpoint against the SHA-256 in study.json (or, for a pre-training
# in progress, in in-progress.sha256), then copies the records into a study folder that has no
# study.json yet; `randsac study … --out STUDY_FOLDER` then continues: finished stages are never
# redone, and a carried pre-training in progress continues from its checkpoint with the build that
# started it.
# Needs jq.
set -euo pipefail

die() { echo "carry.sh: $*" >&2; exit 2; }
usage="usage: carry.sh save [--in-progress] STUDY_FOLDER RECORDS_FOLDER | restore RECORDS_FOLDER STUDY_FOLDER"
in_progress=false
if [[ "${1:-}" == save && "${2:-}" == --in-progress ]]; then
  in_progress=true
  set -- save "${@:3}"
fi
[[ $# -eq 3 ]] || die "$usage"
command -v jq >/dev/null || die "jq is missing: apt-get install jq"
mode="$1" from="${2%/}" to="${3%/}"
checkpoint=checkpoint.safetensors
sums=in-progress.sha256

# The step a checkpoint was saved at, from its safetensors header (8-byte length, then JSON).
checkpoint_step() {
  local length
  length=$(od -An -t u8 -N 8 "$1" | tr -d ' ')
  head -c $((8 + length)) "$1" | tail -c "$length" | jq -r '.__metadata__.step // "unknown"' 2>/dev/null || echo unknown
}
# A run folder's path within the study folder (save only: records name folders of the study).
inside_study() {
  [[ "$1" == "$from"/* ]] || die "run folder $1 is not inside $from"
  echo "${1#"$from"/}"
}
[[ -f "$from/study.json" ]] || die "$from/study.json does not exist"

case "$mode" in
  save)
    mkdir -p "$to"
    rm -rf "$to/runs" "$to/configs" "$to/logs" "$to/$sums"
    for file in study.json results.md results.png; do
      [[ -f "$from/$file" ]] && cp "$from/$file" "$to/"
    done
    for folder in configs logs; do
      [[ -d "$from/$folder" ]] && cp -r "$from/$folder" "$to/"
    done
    # The run folders of finished pre-trainings (a baseline's records lie in its shape-of arm's folder).
    jq -r '.records[] | select(.kind == "pretrain" and ."wall-seconds".pretrain != null) | .folder' "$from/study.json" |
    while read -r run; do
      relative=$(inside_study "$run")
      [[ -d "$run" ]] || continue
      mkdir -p "$to/$relative"
      find "$run" -maxdepth 1 -type f \( -name '*.json' -o -name '*.csv' -o -name '*.png' \) -exec cp {} "$to/$relative/" \;
    done
    # The checkpoints of pre-trained runs with an evaluation of their weights started and not finished.
    carried=0
    while read -r run; do
      [[ -n "$run" && -f "$run/$checkpoint" ]] || continue
      relative=$(inside_study "$run")
      mkdir -p "$to/$relative"
      cp "$run/$checkpoint" "$to/$relative/"
      carried=$((carried + 1))
    done < <(jq -r '.records[] | select(.kind == "pretrain" and ([(."started-by" // {}) | keys[] | select(. != "pretrain")] - ((.build // {}) | keys) | length > 0)) | .folder' "$from/study.json" | sort -u)
    [[ $carried -eq 0 ]] || echo "carry.sh: carried $carried checkpoint(s) of runs with an evaluation pending"
    # Pre-trainings in progress, with --in-progress: everything their resume reads.
    if $in_progress; then
      while read -r run; do
        [[ -n "$run" && -f "$run/$checkpoint" ]] || continue
        relative=$(inside_study "$run")
        mkdir -p "$to/$relative"
        find "$run" -maxdepth 1 -type f \( -name '*.json' -o -name '*.csv' -o -name "$checkpoint" \) -exec cp {} "$to/$relative/" \;
        (cd "$to" && sha256sum "$relative/$checkpoint" >> "$sums")
        echo "carry.sh: carried the pre-training in progress $relative (checkpoint of step $(checkpoint_step "$to/$relative/$checkpoint"))"
      done < <(jq -r '.records[] | select(.kind == "pretrain" and ."wall-seconds".pretrain == null and ."started-by".pretrain != null) | .folder' "$from/study.json" | sort -u)
    fi
    echo "carry.sh: saved $(jq '[.records[] | select(."wall-seconds".pretrain != null)] | length' "$from/study.json") finished pre-training(s) of $from into $to" ;;
  restore)
    [[ -e "$to/study.json" ]] && die "$to/study.json exists: restore only into a study folder that has none"
    # A carried checkpoint must be the one its pre-training recorded (or, in progress, saved), or the
    # evaluations would judge other weights and a resume would continue other ones.
    while read -r file; do
      relative="${file#"$from"/}"
      run="${relative%/"$checkpoint"}"
      expected=$(jq -r --arg run "/$run" '.records[] | select(.kind == "pretrain" and (.folder | endswith($run))) | ."checkpoint-sha256" // empty' "$from/study.json" | head -n 1)
      source="study.json recorded"
      if [[ -z "$expected" && -f "$from/$sums" ]]; then
        expected=$(awk -v path="$relative" '$2 == path { print $1 }' "$from/$sums" | head -n 1)
        source="$sums recorded"
      fi
      [[ -n "$expected" ]] || die "$file: study.json has no finished pre-training for $run, and $sums does not list it"
      actual=$(sha256sum "$file" | cut -d' ' -f1)
      [[ "$actual" == "$expected" ]] || die "$file: SHA-256 $actual, but $source $expected for $run"
    done < <(find "$from" -name "$checkpoint" -type f)
    mkdir -p "$to"
    cp -r "$from/." "$to/"
    rm -f "$to/$sums"
    echo "carry.sh: restored $from into $to" ;;
  *) die "unknown mode $mode (save or restore)" ;;
esac
