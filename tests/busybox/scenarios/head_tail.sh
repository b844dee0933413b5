seq 1 10 | tail -n +8
seq 1 10 | head -n 2
echo 'abcdefgh' | head -c 5
echo
seq 1 10 | tail -n 2
seq 1 10 | head -n -7
