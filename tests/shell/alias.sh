alias say='echo said'
say hello
alias ll='ls -d' a2='echo two'
alias say
a2
unalias say
say 2>/dev/null || echo gone
alias | grep a2
