echo start
(eval 'if true; then') 2>/dev/null
echo status $?
(eval 'echo )') 2>/dev/null
echo status $?
sh -c 'case x in' 2>/dev/null; echo $?
sh -c 'echo "unterminated' 2>/dev/null; echo $?
