printf '1\n2\n3\n' > n
printf 'a\nb\nc\n' > l
paste n l
paste -d, n l
paste -s -d+ n
