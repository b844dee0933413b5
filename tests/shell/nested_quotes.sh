echo "$(echo "a b" | tr ' ' _)"
x="foo bar"; echo "${x:-"default value"}"
echo "${undef:-"a  b"}"
echo ${undef:-"a  b"}
echo "${undef:-'sq'}"
echo '"'"'"
