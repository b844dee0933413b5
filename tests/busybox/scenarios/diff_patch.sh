printf 'one\ntwo\nthree\n' > a
printf 'one\n2\nthree\nfour\n' > b
diff a b > /dev/null
echo "diff status $?"
diff -u a b | tail -n +3
diff -u a b > change.patch
patch a < change.patch > /dev/null
cmp a b && echo patched
diff a a
echo "same status $?"
