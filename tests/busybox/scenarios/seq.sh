seq -w 8 11
seq 1 3 10
seq 5 -2 1
seq -s, 1 5
