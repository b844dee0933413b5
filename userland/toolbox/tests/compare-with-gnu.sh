#!/bin/sh
# Runs each toolbox utility and its GNU counterpart (coreutils, grep, findutils on the host) on the
# same fixture tree and requires the same standard output and exit status; for the error cases, the
# same standard error too. Tree-changing utilities run on two copies of the fixture, whose resulting
# trees must then be equal. Usage: compare-with-gnu.sh TOOLBOX_BIN_DIR
set -u
ours=$(cd "$1" && pwd)
export LC_ALL=C TZ=UTC
work=$(mktemp -d /tmp/toolbox-gnu.XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
checks=0

# The fixture: fixed times (so ls -l needs no normalising), every file type ls distinguishes that a
# user can make, names that sort differently in byte order, lines for the text utilities.
make_fixture() {
    mkdir -p "$1" && cd "$1" || exit 1
    printf 'alpha\nbeta\ngamma\nBeta\nalpha\n' > a.txt
    printf 'one two  three\n\tfour\nfive' > b.txt
    : > empty
    printf '10\n9\n-3\n2.5\n100\nabc\n9\n' > numbers.txt
    printf 'x 3 c\ny 1 a\nz 2 b\nw 1 d\n' > fields.txt
    printf 'k:2:b\nk:10:a\nj:1:c\n' > colon.txt
    printf 'a\na\nb\nc\nc\nc\nA\na\n' > runs.txt
    printf 'foo bar\nfoobar\nbar_foo foo\nFOO\nfoo\n' > words.txt
    printf '#!/bin/sh\necho run\n' > run.sh && chmod 755 run.sh
    printf 'hidden\n' > .hidden
    mkdir -p dir/sub dir/empty-dir "Z dir"
    printf 'deep alpha\n' > dir/sub/deep.txt
    printf 'shallow\n' > dir/file
    seq 1 3000 > dir/big
    ln -s a.txt link
    ln -s missing dangling
    ln a.txt hard
    chmod 700 dir/empty-dir
    chmod 4755 run.sh 2>/dev/null
    find . -exec touch -h -d '2020-01-02 03:04:05' {} +
    touch -d '2019-06-01 00:00:00' numbers.txt
    touch -d '2020-05-05 12:00:00' b.txt
    cd - >/dev/null || exit 1
}

make_fixture "$work/f"

# run NAME WHERE PROGRAM ARGS... : stdout, stderr and status of one side into $work/NAME.*; standard
# input is $input, or /dev/null.
run() {
    name=$1 where=$2
    shift 2
    (cd "$where" && "$@") >"$work/$name.out" 2>"$work/$name.err" <"${input:-/dev/null}"
    echo $? >"$work/$name.status"
}

report() {
    checks=$((checks + 1))
    if [ -n "$1" ]; then
        failures=$((failures + 1))
        echo "FAIL: $2"
        echo "$1" | sed 's/^/    /' | head -20
    fi
}

# same [--stderr] UTILITY ARGS... : read-only comparison in the fixture. GNU's side is found through PATH
# so that its messages start with the bare name, as ours do.
same() {
    compare_stderr=
    if [ "$1" = --stderr ]; then
        compare_stderr=1
        shift
    fi
    utility=$1
    shift
    run ours "$work/f" "$ours/$utility" "$@"
    run gnu "$work/f" env "$utility" "$@"
    problem=
    diff -u "$work/gnu.out" "$work/ours.out" >"$work/diff" || problem="stdout differs:
$(head -30 "$work/diff")"
    cmp -s "$work/gnu.status" "$work/ours.status" ||
        problem="$problem
status: gnu $(cat "$work/gnu.status"), ours $(cat "$work/ours.status")"
    if [ -n "$compare_stderr" ]; then
        diff -u "$work/gnu.err" "$work/ours.err" >"$work/diff" || problem="$problem
stderr differs:
$(cat "$work/diff")"
    fi
    report "$problem" "$utility $*"
}

# sorted UTILITY ARGS... : as same, but output order is the file system's (find, du, grep -r).
sorted() {
    utility=$1
    shift
    run ours "$work/f" "$ours/$utility" "$@"
    run gnu "$work/f" env "$utility" "$@"
    sort "$work/ours.out" >"$work/ours.sorted"
    sort "$work/gnu.out" >"$work/gnu.sorted"
    problem=
    diff -u "$work/gnu.sorted" "$work/ours.sorted" >"$work/diff" || problem="stdout differs:
$(head -30 "$work/diff")"
    cmp -s "$work/gnu.status" "$work/ours.status" ||
        problem="$problem
status: gnu $(cat "$work/gnu.status"), ours $(cat "$work/ours.status")"
    report "$problem" "$utility $* (sorted)"
}

# A tree's shape and content, described by GNU tools: path, type, mode, size, link target, links, mtime
# (only with $with_times), and file contents.
snapshot() {
    (cd "$1" && find . -printf '%p %y %m %s %l %n\n' | sort
        if [ -n "${with_times:-}" ]; then find . -mindepth 1 -printf '%p %T@\n' | sort; fi
        find . -type f -exec md5sum {} + | sort -k 2)
}

# with_input FILE CHECK ARGS...: one check with FILE as standard input. with_times CHECK ARGS...: one
# check whose snapshots include modification times.
with_input() {
    input=$1
    shift
    "$@"
    input=
}
with_times() {
    with_times=1
    "$@"
    with_times=
}

# changes UTILITY ARGS... : run on two fresh copies of the fixture, compare output, status and the trees.
changes() {
    utility=$1
    shift
    rm -rf "$work/o" "$work/g"
    make_fixture "$work/o"
    make_fixture "$work/g"
    run ours "$work/o" "$ours/$utility" "$@"
    run gnu "$work/g" env "$utility" "$@"
    problem=
    diff -u "$work/gnu.out" "$work/ours.out" >"$work/diff" || problem="stdout differs:
$(cat "$work/diff")"
    diff -u "$work/gnu.err" "$work/ours.err" >"$work/diff" || problem="$problem
stderr differs:
$(cat "$work/diff")"
    cmp -s "$work/gnu.status" "$work/ours.status" ||
        problem="$problem
status: gnu $(cat "$work/gnu.status"), ours $(cat "$work/ours.status")"
    snapshot "$work/g" >"$work/g.tree"
    snapshot "$work/o" >"$work/o.tree"
    diff -u "$work/g.tree" "$work/o.tree" >"$work/diff" || problem="$problem
trees differ:
$(head -30 "$work/diff")"
    report "$problem" "$utility $* (changes the tree)"
}

# ls
same ls
same ls -a
same ls -A
same ls -1 dir
same ls -l
same ls -la
same ls -lh dir
same ls -l dir/big link dangling
same ls -R
same ls -lR dir
same ls -d dir a.txt
same ls -ld dir link
same ls a.txt dir empty
same ls link
same ls -l --color=never
same ls -l /dev/null /dev/zero /dev/full
same ls -t
same ls -lt
same ls -S
same ls -r
same ls -lrS dir
same ls -trd dir a.txt b.txt
same --stderr ls missing
same --stderr ls a.txt missing dir
same --stderr ls -z
# cat head tail wc
same cat a.txt b.txt
same cat -n b.txt a.txt
same --stderr cat a.txt missing b.txt
same --stderr cat dir
same head dir/big
same head -n 3 a.txt b.txt
same head -c 7 b.txt
same head -n0 a.txt
same head -n -2 a.txt b.txt
same head -c -3 b.txt
same head -2 a.txt
same --stderr head missing a.txt
same tail dir/big
same tail -n 2 a.txt b.txt
same tail -n +4 a.txt
same tail -c 5 b.txt
same tail -c +3 a.txt
same tail -1 b.txt
same tail -n 0 a.txt
same --stderr tail missing
same wc a.txt
same wc a.txt b.txt empty dir/big
same wc -l a.txt
same wc -w b.txt
same wc -c a.txt b.txt
same wc -lw b.txt
same --stderr wc a.txt missing
# echo and friends (GNU's /bin/echo and the others, not a shell's built-ins)
same echo hello   world
same echo -n no newline
same echo -e 'tab\there\nline\\'
same echo -e 'stop\cnever'
same echo -x -n
same echo -- -n
same seq 5
same seq 3 7
same seq 10 -3 1
same seq -s , 1 5
same seq -w 8 11
same seq 0.5 0.25 1.5
same seq -2 2
same --stderr seq
same --stderr seq 1 0 5
same true
same false
same true --version-unknown
same pwd
same --stderr sleep
same sleep 0.01
same uname
same uname -s
same uname -a
same uname -snrvm
same env -i A=1 B=2
same env -i A=1 ./run.sh
same --stderr env -i nonexistent-command
same nice
same nice -n 3 ./run.sh
same nice -n 5 nice
same nice nice -n 2 nice
same nice -n 100 nice
same --stderr nice -n x true
same --stderr nice nonexistent-command
same test -f a.txt
same test -d a.txt
same test -e missing
same test -z ''
same test abc = abc
same test 3 -lt 10
same test ! -s empty
same test -f a.txt -a -d dir
same test -L link -o -f missing
same test '(' 1 -eq 2 ')' -o 4 -ge 4
same --stderr test 1 -eq x
same [ -d dir ]
same [ -n '' ]
same --stderr [ 1 = 1
# stat
same stat -c '%n %s %a %A %F %h %U %G %u %g %Y' a.txt dir link dangling empty run.sh
same stat -L -c '%n %F %s' link
same stat -c '%N' link a.txt
same --stderr stat missing
# grep
same grep alpha a.txt
same grep -i beta a.txt
same grep -v a a.txt
same grep -n a a.txt b.txt
same grep -c a a.txt b.txt empty
same grep -l alpha a.txt b.txt dir/sub/deep.txt
same grep -E 'al|ga' a.txt
same grep -E '^[ab]' a.txt
same grep 'a\{2\}' a.txt
same grep -F 'a.' a.txt
same grep -q beta a.txt
same grep -e alpha -e five a.txt b.txt
same grep nothing a.txt
same grep -x foo words.txt
same grep -xi foo words.txt
same grep -Ex 'fo+' words.txt
same grep -w foo words.txt
same grep -wn foo words.txt
same grep -vw foo words.txt
same grep -o foo words.txt
same grep -on 'o*' words.txt
same grep -oiE 'fo+|bar' words.txt
same grep -ow '[a-z]*' words.txt
same grep -Fxw foo words.txt
same grep -L alpha a.txt b.txt words.txt
same --stderr grep alpha missing a.txt
same --stderr grep -q alpha missing a.txt
same --stderr grep alpha dir
sorted grep -r alpha .
sorted grep -rn alpha dir
sorted grep -rc a dir
# sort uniq
same sort a.txt
same sort -r a.txt
same sort -u a.txt
same sort -n numbers.txt
same sort -nr numbers.txt
same sort -nu numbers.txt
same sort -k 2 fields.txt
same sort -k 2,2 -k 3,3r fields.txt
same sort -k 2n,2 fields.txt
same sort -t : -k 2n colon.txt
same sort -t : -k 3 colon.txt
same sort a.txt runs.txt
same sort -f runs.txt
same --stderr sort missing
same uniq runs.txt
same uniq -c runs.txt
same uniq -d runs.txt
same uniq -u runs.txt
same uniq -i runs.txt
same uniq -ic runs.txt
same --stderr uniq missing
# find xargs du
sorted find .
sorted find dir
sorted find . -name '*.txt'
sorted find . -iname 'A*'
sorted find . -type d
sorted find . -type l
sorted find . -type f -name 'd*'
sorted find . -maxdepth 1 -type f
sorted find . -mindepth 2
sorted find . ! -type d -name '*e*'
sorted find . -name a.txt -o -name b.txt
sorted find . '(' -name '*.sh' -o -name empty ')' -print
sorted find . -empty
sorted find dir -type f -exec wc -l {} ';'
sorted find dir -type f -exec echo {} +
sorted find . -path './dir/*' -type f
sorted find missing dir/sub
same --stderr find missing
printf 'a b\nc "d e" f\n' >"$work/words.in"
printf 'one\0two words\0' >"$work/null.in"
same xargs
same xargs -r echo nothing
with_input "$work/words.in" same xargs
with_input "$work/words.in" same xargs -n 2 echo
with_input "$work/words.in" same xargs -n 1 ./run.sh
with_input "$work/null.in" same xargs -0 -n 1 echo
with_input "$work/words.in" same xargs false
with_input "$work/words.in" same --stderr xargs nonexistent-command
with_input "$work/words.in" same wc
with_input "$work/words.in" same cat - a.txt
with_input "$work/words.in" same sort -r
with_input "$work/words.in" same grep -c d
with_input "$work/words.in" same hexdump -C
same du -s dir
sorted du dir
sorted du -a dir
sorted du -h dir
same du -sh dir/big
same --stderr du missing
# hexdump and date
if command -v hexdump >/dev/null; then
    same hexdump -C b.txt
    same hexdump -C dir/big
    same hexdump b.txt
    same hexdump -C empty
fi
same date -u -d @0
same date -u -d @1700000000 '+%Y-%m-%d %H:%M:%S %a %b %j'
same date -u -r a.txt

# tail -f: a line appended while the file is followed is printed too.
follow() {
    printf 'first\n' >"$work/followed"
    "$1" -f "$work/followed" >"$work/follow.$2" 2>&1 &
    follower=$!
    sleep 1
    printf 'second\n' >>"$work/followed"
    sleep 2
    kill "$follower"
    wait "$follower" 2>/dev/null
}
follow "$ours/tail" ours
follow "$(command -v tail)" gnu
problem=
diff -u "$work/follow.gnu" "$work/follow.ours" >"$work/diff" || problem="output differs:
$(cat "$work/diff")"
report "$problem" "tail -f"

# Tree changes.
changes cp a.txt copy.txt
changes cp a.txt b.txt dir
changes cp -r dir copy
changes cp -rp dir copy
with_times changes cp -p a.txt kept.txt
changes cp dir nowhere
changes cp missing here
changes cp a.txt
changes cp a.txt b.txt empty
changes cp -r dir 'Z dir'
changes mv a.txt moved.txt
changes mv a.txt b.txt dir
changes mv dir 'Z dir'
changes mv missing x
changes mv dir dir/sub
changes rm a.txt link
changes rm dir
changes rm -r dir
changes rm -rf dir missing
changes rm missing
changes rm -f missing
changes rm
changes mkdir new
changes mkdir -p new/a/b dir/sub
changes mkdir dir
changes mkdir -m 700 private
changes mkdir missing/child
changes rmdir dir/empty-dir
changes rmdir dir
changes rmdir missing
changes ln -s a.txt sym
changes ln a.txt hard2
changes ln -s a.txt b.txt dir
changes ln -s a.txt link
changes ln -sf b.txt link
changes ln missing x
changes touch new a.txt
changes touch -c nothing
changes touch missing/x
with_times changes touch -d '2021-03-04 05:06:07' a.txt new
with_times changes touch -t 202001020304.05 a.txt
changes chmod 600 a.txt
changes chmod u+x,go-r a.txt b.txt
changes chmod -R a+rX dir
changes chmod =r a.txt
changes chmod 644 missing
changes chmod bogus a.txt
changes chown 0:0 a.txt
changes tee out1 out2
with_input "$work/words.in" changes tee -a a.txt out
with_input "$work/words.in" changes tee missing/x ok

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
