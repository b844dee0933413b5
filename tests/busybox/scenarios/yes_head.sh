yes ab | head -n 3
yes | head -n 2
