printf '12345' > f
mkdir d
chmod 640 f
stat -c '%s %a %F %n' f
stat -c '%a %F' d
ln -s f l
stat -c '%F %N' l
