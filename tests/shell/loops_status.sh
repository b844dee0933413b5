for i in 1 2; do false; done; echo $?
x=0; while [ $x -lt 2 ]; do x=$((x+1)); done; echo $?
f() { for i in 1 2 3; do [ $i = 2 ] && return $i; done; }
f; echo $?
