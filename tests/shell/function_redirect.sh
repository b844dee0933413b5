f() { echo in f; echo err >&2; } 2>/dev/null
f
g() { echo body; } > g_$$.tmp
g; cat g_$$.tmp; rm -f g_$$.tmp
while read l; do echo "got $l"; done <<E
one
two
E
