set -- one two "three four"
echo $# $1 $2 $3
echo "$*"
echo "$@"
for a in "$@"; do echo "<$a>"; done
for a in $*; do echo "[$a]"; done
IFS=,; echo "$*"
true; echo $?; false; echo $?
