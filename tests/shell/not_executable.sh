f=noexec_$$
echo 'echo hi' > $f
chmod -x $f
./$f 2>/dev/null; echo $?
chmod +x $f
./$f; echo $?
rm -f $f
