#!/usr/bin/env python3
"""Writes random streams of the sequences the TextConsole implements (torture_N.bytes, seeded, so
the same files come out every time) for a differential test against xterm.js: reference_screen.mjs
gives the screen xterm.js ends on, the console must end on the same one. Cases where xterm.js is
known to differ from xterm are not generated (see README.md)."""
import random

# xterm.js keeps a pending wrap through erase, insert and delete (its cursor sits past the last
# column, xterm.js issue 2979) where xterm and the Linux console clear it and act on the last column:
# a CUF first ends a pending wrap in both and is an ordinary move otherwise.
settle = '\x1b[C'


def stream(seed, count, COLUMNS, ROWS):
    rng = random.Random(seed)
    out = []
    alternate = False
    n = lambda: rng.choice(['', '0', '1', '2', '3', str(rng.randint(1, 30))])
    text = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:-_=+*/!?'
    for _ in range(count):
        kind = rng.randrange(40)
        if kind < 10:
            out.append(''.join(rng.choice(text) for _ in range(rng.randint(1, 25))))
        elif kind == 10:
            out.append(rng.choice(['\r\n', '\n', '\r', '\t', '\b', '\x0b', '\x0c']))
        elif kind == 11:
            out.append(f'\x1b[{n()};{n()}H')
        elif kind == 12:
            out.append(f'\x1b[{n()}{rng.choice("ABCDEFGd`")}')
        elif kind == 13:
            out.append(f'{settle}\x1b[{rng.choice(["", "0", "1", "2"])}J')
        elif kind == 14:
            out.append(f'{settle}\x1b[{rng.choice(["", "0", "1", "2"])}K')
        elif kind == 15:
            out.append(f'{settle}\x1b[{n()}{rng.choice("@PXLM")}')
        elif kind == 16:
            # xterm.js fills the lines SD brings in with the default background, not the current one.
            out.append(rng.choice([f'\x1b[{n()}S', f'\x1b[49m\x1b[{n()}T']))
        elif kind == 17:
            top = rng.randint(1, ROWS)
            bottom = rng.randint(top, ROWS)
            out.append(rng.choice([f'\x1b[{top};{bottom}r', '\x1b[r']))
        elif kind == 18:
            out.append(rng.choice(['\x1bD', '\x1bE', '\x1bM', '\x1bM\x1bM']))
        elif kind == 19:
            # DECRC restores a pending wrap (DEC, xterm); xterm.js does not save it: a CUF after.
            out.append(rng.choice(['\x1b7', f'\x1b8{settle}', '\x1b[s', f'\x1b[u{settle}']))
        elif kind == 20:
            # No origin mode: xterm.js moves the cursor wrongly on CUF in it (unit tests cover DECOM).
            # xterm.js wraps the next character after DECAWM comes back on if the last one went to the
            # last column while it was off; xterm does not: a CUF ends that state in both.
            out.append(rng.choice(['\x1b[?7l', f'\x1b[?7h{settle}', '\x1b[4h', '\x1b[4l']))
        elif kind == 21:
            out.append(rng.choice(['\x1bH', '\x1b[g', '\x1b[3g', f'{settle}\x1b[{n()}I', f'{settle}\x1b[{n()}Z']))
        elif kind == 22:
            out.append(f'{rng.choice(text)}\x1b[{n()}b')
        elif kind == 23:
            # xterm.js clears the alternate screen whenever it is entered; only 1049 does in xterm.
            # Entering it again clears it in xterm, not in xterm.js: only switch when on the other one.
            choice = rng.choice(['\x1b[?1049l' if alternate else '\x1b[?1049h', '\x1b[?1048h',
                                 f'\x1b[?1048l{settle}'])
            if '1049' in choice:
                # xterm.js keeps a scroll region and tab stops per screen, xterm one set: reset them.
                alternate = not alternate
                choice += '\x1b[r\x1b[3g'
            out.append(choice)
        elif kind == 24:
            out.append(rng.choice(['\x1b[?25l', '\x1b[?25h']))
        elif kind == 25:
            # Back to ASCII after each use: xterm.js does not save the designations with DECSC.
            # Not `, b-e, h, i, o, p, r, s: the console shows other characters for those (its font lacks them).
            graphics = ''.join(rng.choice('afgjklmnqtuvwxyz{|}~') for _ in range(rng.randint(1, 8)))
            out.append(rng.choice([f'\x1b(0{graphics}\x1b(B', f'\x1b)0\x0e{graphics}\x0f\x1b)B']))
        elif kind < 34:
            codes = [rng.choice(['0', '1', '2', '3', '4', '5', '7', '8', '9', '22', '23', '24', '25', '27',
                                 '28', '29', '39', '49', str(rng.randint(30, 37)), str(rng.randint(40, 47)),
                                 str(rng.randint(90, 97)), str(rng.randint(100, 107)),
                                 f'38;5;{rng.randrange(256)}', f'48;5;{rng.randrange(256)}',
                                 f'38;2;{rng.randrange(256)};{rng.randrange(256)};{rng.randrange(256)}',
                                 f'48;2;{rng.randrange(256)};{rng.randrange(256)};{rng.randrange(256)}'])
                     for _ in range(rng.randint(1, 3))]
            out.append(f'\x1b[{";".join(codes)}m')
        elif kind == 34:
            # No DECSTR: xterm.js keeps the saved cursor through it (DEC resets it to home).
            out.append('\x1b[2J\x1b[H')
        else:
            out.append(''.join(rng.choice(text) for _ in range(rng.randint(COLUMNS - 3, COLUMNS * 2))))
    return ''.join(out)


# (columns, rows) of each stream: small screens make everything interact.
SIZES = [(20, 8), (20, 8), (20, 8), (20, 8), (80, 24), (5, 3)]

if __name__ == '__main__':
    for index, (columns, rows) in enumerate(SIZES):
        with open(f'torture_{index}.bytes', 'w', newline='') as f:
            f.write(stream(1000 + index, 600, columns, rows))
        print(f'torture_{index}.bytes {columns} {rows}')
