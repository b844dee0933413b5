printf 'b a b\nc b a\nb\n' | awk '{ for (i = 1; i <= NF; i++) seen[$i]++ } END { for (w in seen) print w, seen[w] }' | sort
awk 'BEGIN { for (i = 1; i <= 5; i++) printf "%d^2=%d\n", i, i * i; print length("blog_os"), substr("busybox", 1, 4), toupper("ash") }'
