echo abc | md5sum
echo abc | sha1sum
echo abc | sha256sum
echo abc | sha512sum
printf 'abc' > f && md5sum f && sha256sum f > sums && sha256sum -c sums
