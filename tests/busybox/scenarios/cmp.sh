printf 'abcdef' > x
printf 'abcXef' > y
cmp x y
echo "status $?"
cmp -s x x
echo "status $?"
cmp -l x y
