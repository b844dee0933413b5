set -f
echo /*
set +f
case $- in *f*) echo on;; *) echo off;; esac
