d=glob_dir_$$
mkdir $d && cd $d || exit 1
touch a.txt b.txt c.log .hidden
echo *.txt
echo ?.log
echo [ab].*
echo [!a].txt
echo *.none
echo '*.txt' "*.txt" \*.txt
set -f; echo *.txt; set +f
x='*.log'; echo $x "$x"
cd .. && rm -r $d
