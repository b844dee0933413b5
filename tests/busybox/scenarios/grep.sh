echo 'abc123def45' | grep -o '[0-9][0-9]*'
printf 'apple\nbanana\ncherry\n' > fruit
grep -c an fruit
grep -v an fruit
grep -n -E 'a(n|p)' fruit
grep -q nothing fruit
echo "status $?"
grep -i APPLE fruit
