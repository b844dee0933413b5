cat <<END
plain $HOME_UNSET text
x=$((1+1)) $(echo sub)
END
v=value
cat <<'END'
literal $v `x`
END
cat <<"END"
also $v
END
cat <<-END
	stripped $v
		two
	END
cat <<A; cat <<B
first
A
second
B
