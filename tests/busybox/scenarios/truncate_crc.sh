truncate -s 10 f
wc -c < f
printf 'abcdef' > g
truncate -s 3 g
cat g
echo
printf 'hello' | crc32
