cal 2 2000
