x=$(echo hello); echo $x
echo "$(echo a; echo b)"
echo $(echo a; echo b)
y=`echo back`; echo $y
echo "$(echo "nested $(echo inner)")"
z=$(printf 'a\n\n\n'); echo "[$z]"
echo $(false) $?
echo `echo \`echo deep\``
