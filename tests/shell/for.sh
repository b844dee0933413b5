for i in 1 2 3; do echo $i; done
for i in; do echo never; done
set -- x y; for i do echo $i; done
for i in a b
do
  echo "line $i"
done
