echo abcdefghij | fold -w 3
printf 'a\tb\n' | expand | od -c | head -n 1
printf 'a       b\n' | unexpand -a | od -c | head -n 1
