basename /usr/lib/libc.so .so
basename dir/
dirname /usr/lib/libc.so
dirname file
dirname /
