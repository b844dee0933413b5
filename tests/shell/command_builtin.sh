echo() { printf 'wrapped: %s\n' "$*"; }
echo hi
command echo direct
unset -f echo
echo back
command -v cd
command -v nosuch_cmd_xx || echo none
command -V cd
command -V cat
command -V nosuch_cmd_xx
echo "status $?"
f() { :; }
command -V f
command -V if
