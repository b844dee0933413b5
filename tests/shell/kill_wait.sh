sleep 5 &
p=$!
kill $p
wait $p; echo $?
kill -l 15
kill -s TERM 999999 2>/dev/null; echo $?
