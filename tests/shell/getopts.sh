parse() {
  OPTIND=1
  while getopts ab:c opt "$@"; do
    case $opt in
      a) echo "a";;
      b) echo "b=$OPTARG";;
      c) echo "c";;
      '?') echo "unknown";;
    esac
  done
  shift $((OPTIND - 1))
  echo "rest: $*"
}
parse -a -b val -c file1 file2
parse -acb joined -- -notopt
parse -x -a 2>/dev/null
parse -ab
silent() {
  OPTIND=1
  while getopts :ab: opt "$@"; do echo "$opt ${OPTARG-}"; done
}
silent -x -b
set -- -a one
while getopts a opt; do echo "positional $opt"; done
echo "OPTIND=$OPTIND"
