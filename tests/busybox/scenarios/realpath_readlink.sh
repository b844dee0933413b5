mkdir -p real/dir
touch real/dir/file
ln -s real/dir link
readlink link
[ "$(realpath link/file)" = "$(pwd)/real/dir/file" ] && echo realpath-ok
[ "$(readlink -f link)" = "$(pwd)/real/dir" ] && echo readlink-f-ok
readlink real/dir/file
echo "status $?"
