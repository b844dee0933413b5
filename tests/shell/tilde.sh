HOME=/home/test
echo ~ ~/x "~" '~' ~nosuchuser_xyz
a=~/p:~/q; echo $a
echo x~
