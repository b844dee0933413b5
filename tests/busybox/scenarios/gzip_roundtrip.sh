seq 1 2000 > numbers
cp numbers original
gzip numbers
[ -f numbers.gz ] && [ ! -e numbers ] && echo compressed
gunzip numbers.gz
cmp numbers original && echo identical
echo hello | gzip -c | gunzip -c
echo again | gzip | zcat
