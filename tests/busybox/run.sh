# The busybox applet scenarios (docs/testing.md): runs every scenarios/*.sh under each shell given,
# each in a fresh empty directory, with stdin from /dev/null, and prints
#
#   @@ begin NAME LABEL
#   <the scenario's stdout>
#   @@ end NAME LABEL status N
#   @@ stderr <each line it wrote to stderr, for the reader: not compared>
#
# usage: sh run.sh WORK_DIR LABEL=SHELL_COMMAND...   (e.g. sh=/bin/sh "ash=/bin/busybox ash")
# The same file runs in blog_os (our sh, then busybox ash) and on Linux (busybox ash), and
# tests/e2e/busybox_test.cpp compares what they print.
scenarios=$(cd "$(dirname "$0")/scenarios" && pwd)
work=$1
shift
export PATH=/bin:/usr/bin LC_ALL=C
unset TZ
umask 022
for pair in "$@"; do
    label=${pair%%=*}
    shell=${pair#*=}
    for file in "$scenarios"/*.sh; do
        name=${file##*/}
        name=${name%.sh}
        rm -rf "$work"
        mkdir -p "$work/scratch"
        echo "@@ begin $name $label"
        # $shell unquoted: a command and its arguments. Output to a file, never a terminal, so that
        # the pager and ls behave alike here and on the host.
        (cd "$work/scratch" && $shell "$file" < /dev/null > "$work/stdout" 2> "$work/stderr")
        status=$?
        cat "$work/stdout"
        echo "@@ end $name $label status $status"
        while IFS= read -r line; do
            echo "@@ stderr $line"
        done < "$work/stderr"
    done
done
rm -rf "$work"
