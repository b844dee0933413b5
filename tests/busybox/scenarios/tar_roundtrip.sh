mkdir -p tree/sub
echo alpha > tree/a.txt
echo beta > tree/sub/b.txt
tar cf archive.tar tree
tar tf archive.tar | sort
mkdir out
tar xf archive.tar -C out
cat out/tree/a.txt out/tree/sub/b.txt
