echo hello world
echo -n no newline; echo
echo 'a\tb' "c\nd"
echo '\0101\c' ignored
echo -e x
