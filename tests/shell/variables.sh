a=1 b=2
echo $a$b ${a}x ${b}_y
c=$a$b; echo $c
unset a; echo "[${a}]"
readonly r=5; echo $r
x=1; x=2 true; echo $x
