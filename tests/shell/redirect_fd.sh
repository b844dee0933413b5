f=fd_$$.tmp
{ echo out; echo err >&2; } 2>/dev/null
{ echo out; echo err >&2; } > $f 2>&1; cat $f
{ echo out; echo err >&2; } 2>&1 >/dev/null
echo to3 3>$f >&3; cat $f
exec 4>$f; echo via4 >&4; exec 4>&-; cat $f
exec 5<$f; read line <&5; echo "read: $line"; exec 5<&-
echo x 1>&2 2>/dev/null
rm -f $f
