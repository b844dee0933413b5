mkdir -p src/a src/b
echo 1 > src/a/x.txt
echo 2 > src/b/y.txt
echo 3 > src/b/z.log
find src -name '*.txt' | sort | xargs cat
find src -type d | sort
find src -type f -name '*.log' -exec cat {} \;
echo 1 2 3 4 5 | xargs -n 2 echo
