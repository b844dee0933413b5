echo a; echo b
{ echo c; echo d; }
(echo e; echo f)
x=1; (x=2; echo inner $x); echo outer $x
{ x=3; }; echo $x
