file=$(mktemp ./tmp.XXXXXX)
[ -f "$file" ] && echo file-made
case $file in ./tmp.??????) echo name-ok ;; esac
dir=$(mktemp -d ./dir.XXXXXX)
[ -d "$dir" ] && echo dir-made
