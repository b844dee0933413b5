printf 'a\r\nb\r\n' | dos2unix | od -c
printf 'a\nb\n' | unix2dos | od -c
