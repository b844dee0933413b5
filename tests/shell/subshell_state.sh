x=1
(x=2; cd /; echo $x $PWD)
echo $x
( exit 3 ); echo $?
f() { echo func; }
(f)
echo "$(f)"
