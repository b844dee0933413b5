# The full-screen applets fall back to batch work without a terminal: pagers copy, top prints once.
printf 'one\ntwo\n' | less
printf 'three\n' | more
top -b -n 1 | head -n 2 | cut -c1-4
