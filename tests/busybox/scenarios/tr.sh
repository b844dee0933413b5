echo 'Hello World' | tr a-z A-Z
echo 'hello world' | tr -d lo
echo 'a    b   c' | tr -s ' '
echo 'a,b;c' | tr ',;' '\n\n'
