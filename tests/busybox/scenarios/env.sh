env -i A=1 B=two env | sort
env -u HOME sh -c 'echo "home=${HOME-unset}"'
X=42 env | grep '^X='
