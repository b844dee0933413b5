x=1
echo ${x:?ok}
(echo ${nope:?missing}) 2>/dev/null
echo status $?
(: ${nope?}) 2>/dev/null; echo $?
