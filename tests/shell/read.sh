printf 'one two three\n' | { read a b; echo "$a|$b"; }
printf 'x\\y z\n' | { read a; echo "$a"; }
printf 'x\\y z\n' | { read -r a; echo "$a"; }
printf 'p:q:r\n' | { IFS=: read a b c; echo "$c $b $a"; }
printf 'last' | { read v; echo "$? $v"; }
printf '  lead  trail  \n' | { read v; echo "[$v]"; }
