seq 1 20 | shuf | sort -n | md5sum
printf 'ab\000hello\000x\000longer string\n' | strings
echo hi | xxd
