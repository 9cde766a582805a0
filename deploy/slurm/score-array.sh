#!/usr/bin/env bash
# Scores a call archive on a Slurm cluster: an `sbatch --array` job whose task I runs
# `callcoach score --shard I/N`, then a merge job that starts when every task has
# succeeded and writes OUT/merged/{calls.jsonl,summary.csv}.
#
# usage: score-array.sh -n N -o OUT [options] -- SCORE_INPUT...
#   -n N        number of shards (array tasks)
#   -o OUT      shared folder for the results: OUT/shard-I per task, OUT/merged,
#               OUT/logs (visible from every node)
#   -b PATH     the callcoach binary as the nodes see it (default: callcoach on PATH)
#   -c CPUS     CPUs per task, also passed to `score --jobs` (default 1)
#   -t TASKS    submit only these tasks again, e.g. 2 or 2,5 (a failed shard is re-run
#               alone; `--resume` keeps what it finished), then the merge
#   -p PART     Slurm partition (default: the cluster's default)
#   -w          wait until the merge has ended; exit with its status
#   SCORE_INPUT the arguments of `callcoach score` after the options this script sets:
#               folders or files, or `--manifest calls.csv`, plus e.g. `--profile P`
#
# Prints the array job id and the merge job id. Each task writes its log to
# OUT/logs/score-<array job>_<task>.log.
set -euo pipefail

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
n="" out="" bin=callcoach cpus=1 tasks="" partition="" wait=""
while getopts "n:o:b:c:t:p:wh" opt; do
  case $opt in
    n) n=$OPTARG ;;
    o) out=$OPTARG ;;
    b) bin=$OPTARG ;;
    c) cpus=$OPTARG ;;
    t) tasks=$OPTARG ;;
    p) partition=$OPTARG ;;
    w) wait=1 ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ "${1:-}" = -- ] && shift
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "score-array.sh: -n N (a whole number >= 1) is required" >&2; usage; }
[ -n "$out" ] || { echo "score-array.sh: -o OUT is required" >&2; usage; }
[ $# -gt 0 ] || { echo "score-array.sh: give the input to score after --" >&2; usage; }
command -v sbatch >/dev/null || { echo "score-array.sh: sbatch not found" >&2; exit 2; }

out=$(readlink -m "$out")
mkdir -p "$out/logs"
input=$(printf '%q ' "$@")
qbin=$(printf '%q' "$bin")
qout=$(printf '%q' "$out")
common=(--parsable --chdir="$PWD")
[ -n "$partition" ] && common+=(--partition="$partition")

# The shard count is N itself, not SLURM_ARRAY_TASK_COUNT: a re-submitted subset
# (-t) has fewer tasks but must cut the input the same way.
array_id=$(sbatch "${common[@]}" --job-name=callcoach-score \
  --array="${tasks:-0-$((n - 1))}" --cpus-per-task="$cpus" \
  --output="$out/logs/score-%A_%a.log" \
  --wrap="exec $qbin score --quiet --jobs $cpus --shard \$SLURM_ARRAY_TASK_ID/$n --resume --out $qout/shard-\$SLURM_ARRAY_TASK_ID $input")
array_id=${array_id%%;*}

merge_args=(--job-name=callcoach-merge --dependency="afterok:$array_id"
  --output="$out/logs/merge-%j.log")
[ -n "$wait" ] && merge_args+=(--wait)
set +e
merge_id=$(sbatch "${common[@]}" "${merge_args[@]}" \
  --wrap="exec $qbin merge $qout/shard-* --out $qout/merged")
status=$?
set -e
echo "array job ${array_id}; merge job ${merge_id%%;*}"
exit $status
