mkdir -p d/e
echo one > d/one
echo two > d/e/two
find d | sort | cpio -o -H newc > a.cpio 2> /dev/null
cpio -t < a.cpio 2> /dev/null
mkdir out
cd out && cpio -id < ../a.cpio 2> /dev/null && cat d/one d/e/two
