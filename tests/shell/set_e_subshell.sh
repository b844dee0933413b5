set -e
(false; echo inner not reached) || echo subshell failed
x=$(false; echo printed)
echo "x=$x"
f() { false; echo in f; }
f || echo f failed
