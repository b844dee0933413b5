f() { case $1 in
  [a-c]) echo low;;
  [!a-c]) echo other;;
  *) echo many;;
esac; }
f a; f z; f ab
case "a.b" in *.*) echo dot;; esac
v='*'; case abc in $v) echo unquoted-matches;; esac
case abc in "$v") echo no;; *) echo quoted-literal;; esac
