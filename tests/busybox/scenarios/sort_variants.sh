printf '10\n9\n2\n10\n33\n' > n
sort -n n
sort -rn n
sort -u n
sort n
printf 'x,3\ny,1\nz,2\n' | sort -t, -k2
