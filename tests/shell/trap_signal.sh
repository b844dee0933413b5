trap 'echo got USR1' USR1
kill -USR1 $$
echo after
trap 'echo term' TERM
kill -TERM $$
echo after term
trap - TERM
trap
