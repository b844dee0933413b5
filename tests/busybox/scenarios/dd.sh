dd if=/dev/zero bs=512 count=4 2> /dev/null | wc -c
printf '0123456789' > digits
dd if=digits bs=1 skip=3 count=4 2> /dev/null
echo
dd if=digits of=copy bs=4 2> /dev/null
cmp digits copy && echo copied
dd if=/dev/zero of=sparse bs=1 count=1 seek=9999 2> /dev/null
wc -c < sparse
