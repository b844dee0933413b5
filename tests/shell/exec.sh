f=exec_$$.tmp
(exec echo exec replaced; echo never)
exec 3>$f
echo into3 >&3
exec 3>&-
cat $f; rm -f $f
sh -c 'exec sh -c "exit 6"'; echo $?
