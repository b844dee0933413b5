unset u; e=
echo ${u-def} ${u:-def} [${e-def}] ${e:-def}
echo ${u+alt} [${e+alt}] [${e:+alt}] ${v:=assigned} $v
echo ${w=}x; echo ${w-unset}set
s=set; echo ${s:+yes} ${s:-no}
