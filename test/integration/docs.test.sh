# docs.test.sh: what the documentation says, compared with the code: the
# files the READMEs list, their links, and commands run as written.
. "$(dirname "$0")/lib.sh"

TOP=$(cd "$(dirname "$0")/../.." && pwd)

# The READMEs: every listed source file exists where the listing puts it,
# every source file of lib/ and agent/ is listed, every link resolves.
ok "every file the READMEs list exists, every lib/ and agent/ file is listed" \
	python3 "$(dirname "$0")/tools/doc-files.py" "$TOP"
check "README.md does not send users to ../shared/" \
	sh -c "! grep -q '\.\./shared/ARCHITECTURE' '$TOP/README.md'"
check "README.md links docs/architecture.md" \
	grep -qF '](docs/architecture.md)' "$TOP/README.md"
# The checker itself catches a listed file that is not there.
mkdir -p "$T/tree"
cp -r "$TOP/README.md" "$TOP/agent" "$TOP/lib" "$TOP/docs" "$T/tree/"
mkdir -p "$T/tree/server" "$T/tree/test"
cp -r "$TOP/server/"* "$T/tree/server/"
cp -r "$TOP/test/"*.sh "$TOP/test/integration" "$TOP/test/e2e" \
	"$TOP/test/bench" "$T/tree/test/"
sed -i 's/^| `inspect.c` |/| `gzip.c` |/' "$T/tree/agent/README.md"
python3 "$(dirname "$0")/tools/doc-files.py" "$T/tree" >"$OUT" 2>&1
check "a table row naming a file that does not exist is caught" \
	grep -qx 'missing: agent/README.md lists agent/gzip.c' "$OUT"
check "and the file it no longer lists" \
	grep -qx 'unlisted: agent/inspect.c is not in agent/README.md' "$OUT"
rm -rf "$T/tree"

# docs/security.md's openssl verification command, exactly as written,
# against a signature podboot makes here.
cmd=$(grep -m1 '^openssl cms -verify ' "$TOP/docs/security.md")
check "security.md gives the openssl verification command" [ -n "$cmd" ]
mkdir -p "$T/v"
ok "keys for it" "$PODBOOT_FAST" keys init --dir "$T/keys" --server-name v.test
cp "$T/keys/root.crt" "$T/v/root.crt"
head -c 70000 /dev/urandom >"$T/v/FILE"
ok "podboot signs FILE" "$PODBOOT_FAST" sign "$T/v/FILE" -o "$T/v/FILE.sig" \
	--keys "$T/keys"
ok "the documented command verifies it" sh -c "cd '$T/v' && $cmd"
check "and says so" grep -q 'Verification successful' "$ERR"
printf x >>"$T/v/FILE"
(cd "$T/v" && sh -c "$cmd") >/dev/null 2>&1
check "the documented command refuses the file changed" [ $? != 0 ]
truncate -s -1 "$T/v/FILE"
nopurpose=$(echo "$cmd" | sed 's/ -purpose any//')
check "the command differs from one without -purpose any" [ "$nopurpose" != "$cmd" ]
(cd "$T/v" && sh -c "$nopurpose") >/dev/null 2>"$ERR"
check "without -purpose any openssl refuses a code-signing certificate" \
	grep -q 'unsuitable certificate purpose' "$ERR"
finish
