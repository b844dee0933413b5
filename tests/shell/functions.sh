f() { echo "f called with $# args: $*"; }
f; f a b
g() {
  echo in g
  return 3
}
g; echo $?
h() { echo $1; shift; echo $1; }
h one two; echo outer $1
set -- p q; h a b; echo $1
