printf 'a:b:c\n1:2:3\nx\n' | cut -d: -f2,3
printf 'abcdef\n123456\n' | cut -c2-4
printf 'one\ttwo\tthree\n' | cut -f 3
