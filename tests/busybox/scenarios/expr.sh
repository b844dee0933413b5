expr 3 + 4
expr 10 \* 6
expr length blog_os
expr substr busybox 2 3
expr 10 \> 3
expr abc : 'a\(.\)'
expr 1 = 2
echo "status $?"
