printf 'key=old\nother=x\n' > config
sed -i 's/^key=.*/key=new/' config
cat config
sed -i '/other/d' config && cat config
