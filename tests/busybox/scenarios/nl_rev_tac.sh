printf 'first\nsecond\n\nthird\n' | nl
echo 'busybox' | rev
seq 1 5 | tac
