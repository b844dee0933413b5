f=out_$$.tmp
echo one > $f
echo two >> $f
cat $f
echo three > $f; cat $f
cat < $f
rm -f $f
