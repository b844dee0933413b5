IFS=, read a b c <<E
1,2,3,4
E
echo "$a|$b|$c"
IFS= read line <<E
  keep spaces  
E
echo "[$line]"
