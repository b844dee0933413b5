f=src_$$.sh
echo 'sourced_var=hello; echo in sourced $1' > $f
. ./$f
echo $sourced_var
echo 'return 5; echo no' > $f
. ./$f; echo $?
rm -f $f
