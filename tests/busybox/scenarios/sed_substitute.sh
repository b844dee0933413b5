printf 'hello world\nfoo bar\nbaz\n' | sed -e 's/o/0/g' -e '2d'
printf 'one\ntwo\nthree\nfour\n' | sed -n '2,3p'
printf '1\n2\n3\n' | sed '1!G;h;$!d'
