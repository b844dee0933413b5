#!/usr/bin/env python3
"""Records what full-screen programs write to an 80x24 terminal: each scenario runs a program on a
pseudo-terminal with TERM set, types keys with pauses, and saves the program's output up to the
mark (before the keys that quit) as NAME.bytes. reference_screen.mjs then turns each capture into
the screen xterm.js shows (NAME.screen). Run from this folder; see README.md.
    ./capture.py [NAME...]
"""
import fcntl, os, pty, select, struct, sys, tempfile, termios, time

COLUMNS, ROWS = 80, 24
MARK = None  # the capture ends here; the keys after it only make the program quit
PRIVATE_PIDS = ['unshare', '--pid', '--fork', '--mount-proc']  # needs root

SAMPLE_C = """#include <stdio.h>

/* A small program for the editor to colour. */
struct point {
    int x;
    int y;
};

static int distance(struct point a, struct point b) {
    int dx = a.x - b.x, dy = a.y - b.y;
    return dx * dx + dy * dy; // squared
}

int main(void) {
    struct point origin = {0, 0}, far = {3, 4};
    for (int i = 0; i < 10; ++i)
        printf("%d: %s\\n", i, i % 2 ? "odd" : "even");
    printf("distance %d\\n", distance(origin, far));
    return 0;
}
"""

SCENARIOS = {
    # busybox vi: moves, deletes and inserts, pages forward and back, a status line message.
    'busybox_vi': dict(term='linux', argv=['busybox', 'vi', 'numbers.txt'],
                       keys=['jjjjj', 'dd', 'Oinserted line\x1b', '\x06', '\x06', '\x02', '30G', 'x', 'u',
                             MARK, ':q!\r']),
    # busybox vi scrolling a line at a time past the bottom and back past the top.
    'busybox_vi_scroll': dict(term='linux', argv=['busybox', 'vi', 'numbers.txt'],
                              keys=['22j', 'j', 'j', 'j', '10j', 'k' * 20, 'k', 'k', 'k', MARK, ':q!\r']),
    # busybox less: a page, lines forward and back, a search, the end.
    'busybox_less': dict(term='linux', argv=['busybox', 'less', 'numbers.txt'],
                         keys=[' ', 'j', 'j', 'k', '/line 150\r', 'G', MARK, 'q']),
    # busybox less at the end of the file: the (END) prompt.
    'busybox_less_end': dict(term='linux', argv=['busybox', 'less', 'short.txt'], keys=[MARK, 'q']),
    # busybox top, one screen (in a PID namespace of its own, so it lists only itself).
    'busybox_top': dict(term='linux', argv=PRIVATE_PIDS + ['busybox', 'top', '-n', '1'], keys=[MARK]),
    # vim with the Linux console's terminfo: colours, scroll regions, insert/delete line.
    'vim_linux': dict(term='linux',
                      argv=['vim', '-u', 'NONE', '-i', 'NONE', '-n', '-N', '-c', 'syntax on', 'sample.c'],
                      keys=['\x06', '\x02', '10j', 'dd', 'Onew line\x1b', ':set number\r', 'jjjj', '\x05',
                            '\x05', '\x19', MARK, ':q!\r']),
    # vim as xterm-256color: the alternate screen, 256 colours.
    'vim_xterm': dict(term='xterm-256color',
                      argv=['vim', '-u', 'NONE', '-i', 'NONE', '-n', '-N', '-c', 'syntax on', '-c',
                            'set t_Co=256 cursorline', '-c', 'hi Comment ctermfg=208', 'sample.c'],
                      keys=['5j', 'dd', 'p', ':split\r', MARK, ':qa!\r']),
    # GNU less with the Linux terminfo: reverse scrolling (ESC M), standout prompt.
    'less_linux': dict(term='linux', argv=['less', 'numbers.txt'],
                       keys=[' ', ' ', 'k', 'k', 'k', 'b', '/line 1.5\r', 'n', MARK, 'q']),
    # procps top with the Linux terminfo.
    'top_linux': dict(term='linux', argv=PRIVATE_PIDS + ['top', '-d', '5'], keys=[MARK, 'q']),
}


def run(argv, term, keys, directory, settle=0.7):
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(directory)
        os.environ.update(TERM=term, LINES=str(ROWS), COLUMNS=str(COLUMNS), LANG='C.UTF-8', LC_ALL='C.UTF-8',
                          HOME=directory)
        os.execvp(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', ROWS, COLUMNS, 0, 0))
    data = bytearray()

    def drain(seconds):
        end = time.time() + seconds
        while time.time() < end:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    return False
                if not chunk:
                    return False
                data.extend(chunk)
        return True

    drain(settle * 2)
    mark = None
    for key in keys:
        if key is MARK:
            mark = len(data)
            continue
        os.write(fd, key.encode())
        if not drain(settle):
            break
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
    return bytes(data[:mark])


def main():
    names = sys.argv[1:] or list(SCENARIOS)
    with tempfile.TemporaryDirectory() as directory:
        with open(os.path.join(directory, 'numbers.txt'), 'w') as f:
            f.writelines(f'line number {i} of the file\n' for i in range(1, 201))
        with open(os.path.join(directory, 'short.txt'), 'w') as f:
            f.write('first line\nsecond line\n\tthird, indented\n')
        with open(os.path.join(directory, 'sample.c'), 'w') as f:
            f.write(SAMPLE_C)
        for name in names:
            scenario = SCENARIOS[name]
            data = run(scenario['argv'], scenario['term'], scenario['keys'], directory)
            with open(f'{name}.bytes', 'wb') as f:
                f.write(data)
            print(f'{name}: {len(data)} bytes')


if __name__ == '__main__':
    main()
