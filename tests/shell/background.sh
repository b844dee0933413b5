sleep 0.1 &
wait $!
echo waited $?
(exit 5) &
wait $!; echo $?
{ echo bg; } > bg_$$.tmp &
wait
cat bg_$$.tmp; rm -f bg_$$.tmp
