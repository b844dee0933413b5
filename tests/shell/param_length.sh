x=hello; echo ${#x}
e=; echo ${#e}
set -- a b c; echo ${#}
y="with space"; echo ${#y}
