sh -c 'exit 7'; echo $?
sh -c 'exit 300'; echo $?
(exit 4); echo $?
nonexistent_command_xyz 2>/dev/null; echo $?
./ 2>/dev/null; echo $?
sh -c 'kill -9 $$'; echo $?
