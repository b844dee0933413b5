x='a b'
echo '$x' "$x" \$x "\$x" "\"q\"" 'it'\''s'
echo "a\\b" 'a\\b' a\\b "a\b"
echo "tab	in" 'sq "dq"' "dq 'sq'"
echo \a\b\c "\`" "\$"
echo ""x"" ''y'' "" | cat
