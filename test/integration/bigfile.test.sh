# bigfile.test.sh: signing streams: a file far larger than the memory allowed.
. "$(dirname "$0")/lib.sh"

# The sanitizer build reserves terabytes of address space; use the plain one.
P=$PODBOOT_FAST
K=$T/keys
"$P" keys init --dir "$K" --server-name boot.example.net >/dev/null
truncate -s 1G "$T/big.img"
printf 'end' >>"$T/big.img"
LIMIT_KB=40000	# 40 MB of address space for a 1 GiB file

ok "sign 1 GiB with 40 MB of address space" \
	bash -c "ulimit -v $LIMIT_KB && exec '$P' sign '$T/big.img' --keys '$K'"
ok "verify it with 40 MB of address space" \
	bash -c "ulimit -v $LIMIT_KB && exec '$P' verify '$T/big.img' '$T/big.img.sig' --root '$K/root.crt'"
ok "openssl agrees" openssl cms -verify -binary -inform DER \
	-in "$T/big.img.sig" -content "$T/big.img" -CAfile "$K/root.crt" \
	-purpose any -out /dev/null
# The limit is real: reading the file whole would not fit in it.
check "control: a whole-file read fails under the same limit" \
	bash -c "ulimit -v $LIMIT_KB && ! dd if='$T/big.img' of=/dev/null bs=1G count=1 2>/dev/null"
finish
