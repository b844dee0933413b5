seq 1 300 > n
bzip2 -c n | bunzip2 -c | md5sum
seq 1 300 | md5sum
lzop -c n | lzop -dc | tail -n 2
