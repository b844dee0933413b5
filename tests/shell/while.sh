i=0
while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done
until [ $i -eq 0 ]; do i=$((i-1)); echo down $i; done
while false; do :; done; echo $?
