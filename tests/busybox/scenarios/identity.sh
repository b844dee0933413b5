id -u | grep -c '^[0-9][0-9]*$'
uname -m
nproc | grep -c "^[1-9][0-9]*$"
