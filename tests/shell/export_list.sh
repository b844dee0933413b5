export A1=1
readonly B1=2
export | grep A1
readonly | grep B1
(B1=3) 2>/dev/null; echo $?
