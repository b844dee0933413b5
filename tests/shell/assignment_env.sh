X=outer
X=inner sh -c 'echo $X'
echo $X
export Y=exported
sh -c 'echo $Y'
Z=plain
sh -c 'echo "[$Z]"'
export Z; sh -c 'echo "[$Z]"'
unset Z; sh -c 'echo "[$Z]"'
