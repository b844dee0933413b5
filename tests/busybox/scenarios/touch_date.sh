touch -d '2000-01-02 03:04:05' f
date -u -r f '+%Y-%m-%d %H:%M:%S'
touch -t 199901010000 g
date -u -r g +%Y
