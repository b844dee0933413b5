set -x
echo traced 2>/dev/null
set +x
echo plain
