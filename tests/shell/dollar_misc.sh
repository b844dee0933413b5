echo $ "$" a$ ${#} $-x
echo "cost: \$5" '$5'
x=abc; echo "${x}def" "$x"def
