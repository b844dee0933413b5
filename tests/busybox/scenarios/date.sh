date -u -d @0
date -u -d @86400 +%Y-%m-%d
date -u -d @1000000000 '+%H:%M:%S %j %a %b'
