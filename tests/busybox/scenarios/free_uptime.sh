free | head -n 1 | awk '{ print $1, $2, $3 }'
uptime | grep -c 'load average'
ps | head -n 1 | awk '{ print $1 }'
