type cd
type exit
f() { :; }
type f
type if
type nosuchcmd_q 2>/dev/null; echo $?
alias al=x; type al
