set --
for a in "$@"; do echo x; done
echo "[$@]" "[$*]"
set -- "" ""
echo $#
for a in "$@"; do echo "<$a>"; done
f() { echo $#; }; f "$@"; f $@; f "$*"
