set -e
true
if false; then echo no; fi
false || echo handled
! true
false && echo never
echo before
false
echo not reached
