printf 'AB\n\001' | od -c
printf 'blog' | od -An -tx1
printf '\377\000' | od -An -tu1
