f=nc_$$.tmp
echo 1 > $f
set -C
(echo 2 > $f) 2>/dev/null; echo $?
echo 3 >| $f; cat $f
set +C
rm -f $f
