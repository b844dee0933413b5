f=script_args_test.sh
printf '#!/bin/sh\necho "$0" | sed "s,.*/,,"\necho $# "$1" "$2"\nexit 9\n' > $f
chmod +x $f
sh ./$f a 'b c'; echo $?
rm -f $f
