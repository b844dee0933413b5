x=1
cat <<E
\$x is $x, \\ backslash, \`tick\`, "quotes" stay, \n stays
line \
continued
E
read a <<E
from heredoc
E
echo $a
