mkfifo pipe
stat -c %F pipe
echo through-fifo > pipe &
cat pipe
wait
