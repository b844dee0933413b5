x='echo evaluated'
eval $x
eval 'y=5; echo $y'
cmd='a=1 b=2'; eval $cmd; echo $a $b
eval "echo \$((a+b))"
