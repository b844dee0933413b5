printf '%5s|%-5s|%03d|%x|%o\n' a b 7 255 8
printf '%s\n' one two three
printf '%c%c\n' xyz 1
printf '%.2f %e\n' 3.14159 1000
