echo data > a
link a b
stat -c %h a
unlink a
cat b
ln -s b c
cat c
