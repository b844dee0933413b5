printf 'one two\nthree\n' > f
wc -l < f
wc -w < f
wc -c < f
seq 1 1000 | wc -l
