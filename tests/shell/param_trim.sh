p=/usr/local/lib/file.tar.gz
echo ${p%.*} ${p%%.*} ${p#*/} ${p##*/}
echo ${p%"lib"*} ${p#/usr}
x=aaa; echo ${x#a} ${x##a} ${x%a*} ${x%%a*}
y='a*b'; echo ${y%'*b'} ${y#\*}
echo ${p%[.]gz}
