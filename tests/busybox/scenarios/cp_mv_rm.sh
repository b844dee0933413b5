mkdir -p s/t
echo x > s/t/f
cp -r s d
cat d/t/f
mv d e
[ -d d ] || echo moved
rm -r e s
ls
echo done
