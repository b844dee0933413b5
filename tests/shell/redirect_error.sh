cat < /nonexistent/file 2>/dev/null; echo $?
echo x > /nonexistent/dir/file 2>/dev/null; echo $?
{ echo hidden; } > /nonexistent/x 2>/dev/null; echo $?
echo ok
