cd /
pwd
cd /usr/bin; pwd
cd ..; pwd; echo $PWD
cd - >/dev/null; pwd
cd /nonexistent 2>/dev/null; echo $?
OLDPWD=/tmp; cd - 
