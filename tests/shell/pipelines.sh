echo hello | cat
printf 'b\na\nc\n' | sort
echo abc | tr a-z A-Z | rev 2>/dev/null || true
false | true; echo $?
true | false; echo $?
echo x | { read v; echo got $v; }
i=0; echo 5 | while read n; do i=$n; done; echo $i
