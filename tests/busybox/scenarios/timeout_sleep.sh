sleep 0.1 && echo slept
timeout 1 sleep 5
echo "timeout status $?"
timeout 5 true
echo "status $?"
