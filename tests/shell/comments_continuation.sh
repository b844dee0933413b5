echo a # comment
# whole line
echo b\
c
echo "multi
line"
echo x#notcomment
