printf '%s-%s\n' a b c d
printf '%d %5d|%-5d|%05d\n' 42 7 7 7
printf '%x %X %o %c\n' 255 255 8 hello
printf '%s\n'
printf 'no newline'; echo
printf '%b\n' 'a\tb' 'c\0101'
printf '%.3s|%10s|%-4s|\n' abcdef right l
printf '%d\n' "'A"
printf '%%\n'
