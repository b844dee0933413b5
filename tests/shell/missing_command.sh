nosuch_xyz 2>/dev/null
echo $?
/nonexistent/path 2>/dev/null; echo $?
nosuch_xyz 2>/dev/null || echo recovered
