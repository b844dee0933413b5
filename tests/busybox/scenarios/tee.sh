echo payload | tee one two > /dev/null
cat one two
echo more | tee -a one
cat one
