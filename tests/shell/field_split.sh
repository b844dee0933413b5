x="a   b	c"
for w in $x; do echo "<$w>"; done
IFS=:; y="a::b:"; for w in $y; do echo "[$w]"; done
IFS=' :'; z=" a : b "; for w in $z; do echo "{$w}"; done
unset IFS; v=" p  q "; set -- $v; echo $#
IFS=; set -- $v; echo $#
