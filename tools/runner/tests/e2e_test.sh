#!/bin/bash
# End-to-end test of the runner's process handling without the real kernel: tiny boot sectors
# (fake_kernel.S) print on COM1 and exit through isa-debug-exit, hang or triple-fault under SeaBIOS,
# and the runner's exit status and messages are checked for each. Exits 77 (skipped) when a tool is
# missing. Usage: e2e_test.sh RUNNER_BINARY
set -u
runner=$1
source_dir=$(cd "$(dirname "$0")" && pwd)
for tool in qemu-system-x86_64 as ld xorriso; do
    if ! command -v $tool >/dev/null; then
        echo "skipped: $tool not installed"
        exit 77
    fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# make_iso NAME ACTION EXIT_VALUE DELAY MESSAGE(printf format)
make_iso() {
    local dir=$work/$1
    mkdir -p "$dir/iso"
    printf "$5" >"$dir/message.txt"
    (cd "$dir" && as --32 --defsym ACTION=$2 --defsym EXIT_VALUE=$3 --defsym DELAY=$4 \
        -o boot.o "$source_dir/fake_kernel.S" &&
        ld -m elf_i386 -Ttext 0x7c00 --oformat binary -o iso/boot.bin boot.o &&
        xorriso -as mkisofs -quiet -b boot.bin -no-emul-boot -boot-load-size 4 -o "$work/$1.iso" iso \
            2>/dev/null) || { echo "cannot build $1.iso"; exit 1; }
}

# check NAME EXPECTED_STATUS EXPECTED_STDERR_LINE RUNNER_ARGS...
check() {
    local name=$1 expected_status=$2 expected_line=$3
    shift 3
    local started=$SECONDS
    "$runner" --firmware=bios --serial-log="$work/logs/$name.log" "$@" >"$work/$name.out" 2>"$work/$name.err" </dev/null
    local status=$?
    if [[ $status != "$expected_status" ]]; then
        echo "FAIL $name: exit status $status, expected $expected_status"
        sed 's/^/    /' "$work/$name.err"
        failures=$((failures + 1))
    elif [[ -n $expected_line ]] && ! grep -qxF -- "$expected_line" "$work/$name.err"; then
        echo "FAIL $name: stderr lacks the line: $expected_line"
        sed 's/^/    /' "$work/$name.err"
        failures=$((failures + 1))
    else
        echo "ok   $name ($((SECONDS - started)) s)"
    fi
}

make_iso success 1 0x10 20000000 'fake kernel\r\n\033[1;32mblog_os: \033[0mbanner drawn\r\nall good\r\n'
make_iso failure 1 0x11 1000 'failing\r\n'
make_iso panic 1 0x12 1000 'panicking\r\n'
make_iso odd 1 0x05 1000 'odd\r\n'
make_iso triple 2 0 1000 'about to triple fault\r\n'
make_iso hang 0 0 1000 'hanging with \033[1mblog_os: banner\033[0m drawn\r\nprompt> '

check success 0 "" --iso="$work/success.iso" --test
check failure 1 "runner: kernel reported failure" --iso="$work/failure.iso" --test
check panic 2 "" --iso="$work/panic.iso" --test
check odd 3 "runner: unknown exit status 11" --iso="$work/odd.iso" --test
check triple 3 "runner: the machine stopped without reporting a result (triple fault?)" \
    --iso="$work/triple.iso" --test
check timeout 4 "runner: timeout: no result after 2 s (--timeout=2)" --iso="$work/hang.iso" --headless --timeout=2
if [[ $(grep -c '^runner: ' "$work/timeout.err") != 3 ]]; then # booting, image, timeout: nothing else.
    echo "FAIL timeout: unexpected lines on stderr"
    failures=$((failures + 1))
fi
check expect 0 "runner: screenshot saved to $work/shots/hang.png" --iso="$work/hang.iso" --headless \
    --timeout=20 --expect='prompt> ' --expect='hanging with blog_os: banner drawn' --screenshot="$work/shots/hang.png"
if [[ ! -s $work/shots/hang.png ]] || ! head -c 8 "$work/shots/hang.png" | grep -q PNG; then
    echo "FAIL expect: no PNG screenshot"
    failures=$((failures + 1))
fi
check expect-missing 1 "runner: expected text never appeared: not there" --iso="$work/success.iso" --test \
    --expect='all good' --expect='not there'
check missing-iso 3 "runner: ISO image not found: $work/none.iso (build it first)" --iso="$work/none.iso"
check bad-usage 64 "runner: --memory must be a size such as 512M, 4G or 1024 (MiB), not 'lots'" \
    --iso="$work/hang.iso" --memory=lots
check cmdline 4 "" --iso="$work/hang.iso" --headless --timeout=1 --cmdline='a,b c,,d' --test
if [[ ! -f $work/logs/success.log ]] || ! grep -q 'all good' "$work/logs/success.log" ||
    [[ ! -f $work/logs/success.json.log ]]; then
    echo "FAIL logs: serial.log or its .json.log missing"
    failures=$((failures + 1))
fi

# SIGTERM to the runner stops QEMU and gives 10.
"$runner" --firmware=bios --iso="$work/hang.iso" --headless --serial-log="$work/logs/term.log" \
    >/dev/null 2>"$work/term.err" </dev/null &
runner_pid=$!
sleep 1
kill -TERM $runner_pid
wait $runner_pid
status=$?
if [[ $status != 10 ]]; then
    echo "FAIL sigterm: exit status $status, expected 10"
    failures=$((failures + 1))
else
    echo "ok   sigterm"
fi

if ls -d "${TMPDIR:-/tmp}"/blog_os-runner.* 2>/dev/null | grep -q .; then
    echo "note: leftover temporary directories (maybe from other runs):" "${TMPDIR:-/tmp}"/blog_os-runner.*
fi
echo "$failures failure(s)"
[[ $failures == 0 ]]
