printf 'a\na\nb\nc\nc\nc\n' | uniq -c
printf 'a\na\nb\n' | uniq -d
printf 'a\na\nb\n' | uniq -u
