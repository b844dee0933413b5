printf 'apple 3\nbanana 5\ncherry 7\n' | awk '{ total += $2; print NR ": " $1 } END { print "total", total }'
