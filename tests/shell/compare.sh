#!/bin/sh
# compare.sh REFERENCE_SH OUR_SH SCRIPT: runs SCRIPT under both shells, each in a fresh scratch
# directory with `sh` on PATH meaning that shell, and fails unless stdout and exit status match.
set -u
reference=$1 ours=$2 script=$3
scratch=$(mktemp -d) || exit 2
trap 'rm -rf "$scratch"' EXIT
run() {
    mkdir -p "$scratch/$1/bin" "$scratch/$1/work"
    ln -s "$2" "$scratch/$1/bin/sh"
    (cd "$scratch/$1/work" && PATH="$scratch/$1/bin:/usr/bin:/bin" HOME=/nonexistent-home \
        "$2" "$script" > "$scratch/$1.out" 2> "$scratch/$1.err" < /dev/null)
    echo $? > "$scratch/$1.status"
}
run reference "$reference"
run ours "$ours"
if cmp -s "$scratch/reference.out" "$scratch/ours.out" && cmp -s "$scratch/reference.status" "$scratch/ours.status"; then
    exit 0
fi
echo "--- $script: dash (status $(cat "$scratch/reference.status")) vs ours (status $(cat "$scratch/ours.status"))"
diff "$scratch/reference.out" "$scratch/ours.out"
echo "--- our stderr:"
cat "$scratch/ours.err"
exit 1
