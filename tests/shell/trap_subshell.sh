trap 'echo parent exit' EXIT
(echo in subshell)
x=$(echo sub)
echo $x
