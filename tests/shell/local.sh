x=global
f() { local x=local; echo $x; }
f; echo $x
g() { local y; y=set; echo $y; }
g; echo "[${y-unset}]"
