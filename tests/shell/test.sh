t() { if "$@"; then echo T; else echo F; fi; }
t test a = a; t test a != a; t [ -z "" ]; t [ -n "" ]
t [ 3 -lt 4 ]; t [ 4 -le 3 ]; t [ 5 -eq 5 ]; t [ 1 -ne 1 ]
t [ -d / ]; t [ -f / ]; t [ -e /nonexistent ]
t [ ! -d / ]; t [ a = a -a b = c ]; t [ a = a -o b = c ]
t [ \( a = b \) -o c = c ]; t [ x ]; t [ "" ]; t [ ]
t test -n; t [ ! ]
[ 1 -eq x ] 2>/dev/null; echo $?
