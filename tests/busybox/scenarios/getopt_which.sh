getopt ab:c -a -b val -c rest
echo "status $?"
