mkdir data
seq 1 500 > data/numbers
tar czf data.tgz data
rm -r data
tar xzf data.tgz
wc -l < data/numbers
tail -n 1 data/numbers
