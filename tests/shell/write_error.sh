echo lost > /dev/full 2>/dev/null; echo "echo: $?"
printf "lost\n" > /dev/full 2>/dev/null; echo "printf: $?"
echo kept; echo "after: $?"
