# docs.test.sh: what the documentation says, compared with the code: the
# files the READMEs list, their links, and commands run as written.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

TOP=$(cd "$(dirname "$0")/../.." && pwd)

# The READMEs: every listed source file exists where the listing puts it,
# every source file of lib/ and agent/ is listed, every link resolves.
ok "every file the READMEs list exists, every lib/ and agent/ file is listed" \
	python3 "$(dirname "$0")/tools/doc-files.py" "$TOP"
check "README.md and docs/*.md do not send users to ../shared/ARCHITECTURE.md" \
	sh -c "! grep -q '\.\./shared/ARCHITECTURE' '$TOP/README.md' '$TOP'/docs/*.md"
check "nor to a brief users do not have" \
	sh -c "! grep -qiw 'the brief' '$TOP/README.md' '$TOP'/docs/*.md"
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
# The README's synopses are generated from the --help texts (one source):
# its "## Commands" block must be exactly what scripts/synopsis prints.
# readme_block FILE: that block of FILE.
readme_block() {
	sed -n '/^## Commands$/,/^`sign`/p' "$1" | sed '1,2d; /^$/,$d'
}
ok "scripts/synopsis prints the synopses" "$TOP/scripts/synopsis" "$PODBOOT_FAST"
cp "$OUT" "$T/synopsis"
readme_block "$TOP/README.md" >"$T/readme-block"
ok "README.md's command block is scripts/synopsis's output" \
	diff -u "$T/synopsis" "$T/readme-block"
for c in "init" "keys init" "keys rotate-codesign" "keys issue-server" "sign" \
	"verify" "serve" "publish" "dhcp render" "scripts/ci-sign"; do
	check "the block has '$c'" grep -qE "^    (podboot )?$c( |$)" "$T/synopsis"
done
sed 's/--days N]$/--days N] [--frob]/' "$TOP/README.md" >"$T/README.stale"
readme_block "$T/README.stale" >"$T/stale-block"
check "a block that lags the --help texts is caught" \
	sh -c "! diff -q '$T/synopsis' '$T/stale-block'"

# Each "podboot keys SUB --help" prints its own synopsis and its options,
# and every option it lists is in its synopsis.
for sub in init rotate-codesign issue-server; do
	ok "keys $sub --help: exit 0" "$PODBOOT_FAST" keys "$sub" --help
	check "keys $sub --help: its own synopsis first" \
		grep -q "^usage: podboot keys $sub --dir DIR" "$OUT"
	check "keys $sub --help: no other subcommand's" \
		sh -c "! grep -v 'podboot keys $sub ' '$OUT' | grep -q 'podboot keys '"
	cp "$OUT" "$T/help-$sub"
	sed -n '/^options:$/,$p' "$T/help-$sub" | grep -o -- '--[a-z-]*' |
		grep -vx -- --help >"$T/opts-$sub"
	check "keys $sub --help lists its options" [ -s "$T/opts-$sub" ]
	sed -n '1,/^$/p' "$T/help-$sub" >"$T/syn-$sub"
	missing=
	while read -r o; do
		grep -q -- "$o\b" "$T/syn-$sub" || missing="$missing $o"
	done <"$T/opts-$sub"
	check "keys $sub: every option it takes is in its synopsis${missing:+ (not:$missing)}" \
		[ -z "$missing" ]
done
# podboot init lists its options too, each in its synopsis.
ok "init --help" "$PODBOOT_FAST" init --help
sed -n '/^options:$/,$p' "$OUT" | grep -o -- '--[a-z-]*' | grep -vx -- --help >"$T/opts-init"
sed -n '1,/^$/p' "$OUT" >"$T/syn-init"
missing=
while read -r o; do
	grep -q -- "$o\b" "$T/syn-init" || missing="$missing $o"
done <"$T/opts-init"
check "init: it lists options, every one in its synopsis${missing:+ (not:$missing)}" \
	sh -c "[ -s '$T/opts-init' ] && [ -z '$missing' ]"
check "the three --help texts differ" sh -c "! cmp -s '$T/help-init' '$T/help-rotate-codesign' &&
	! cmp -s '$T/help-rotate-codesign' '$T/help-issue-server'"
check "rotate-codesign lists --days" grep -qx -- '--days' "$T/opts-rotate-codesign"
"$PODBOOT_FAST" keys rotate-codesign >/dev/null 2>"$ERR"
check "keys rotate-codesign without --dir: exit 2" [ $? = 2 ]
check "with its own usage on stderr" grep -q '^usage: podboot keys rotate-codesign' "$ERR"
ok "keys --help" "$PODBOOT_FAST" keys --help
check "keys --help names every subcommand" sh -c "grep -q 'keys init ' '$OUT' &&
	grep -q 'keys rotate-codesign ' '$OUT' && grep -q 'keys issue-server ' '$OUT'"

# scripts/ci-sign --help: the whole usage on stdout, exit 0.
ok "ci-sign --help: exit 0" "$TOP/scripts/ci-sign" --help
check "ci-sign --help: to the end of its text" grep -q "^Prints the server's JSON reply" "$OUT"
check "ci-sign --help: every option described" sh -c "grep -q -- '^  --token-file FILE' '$OUT' &&
	grep -q -- '^  --verify ' '$OUT' && grep -q 'PODBOOT_TOKEN' '$OUT'"
check "ci-sign --help: nothing on stderr" [ ! -s "$ERR" ]
"$TOP/scripts/ci-sign" >/dev/null 2>"$ERR"
check "ci-sign without arguments: exit 2" [ $? = 2 ]
check "with the usage on stderr" grep -q '^usage: scripts/ci-sign' "$ERR"
"$TOP/scripts/ci-sign" --server >/dev/null 2>"$ERR"
check "ci-sign --server without a value: exit 2" [ $? = 2 ]
check "named" grep -q 'ci-sign: --server needs a value' "$ERR"
# The demo kickstart (podboot init's default.ks) installs the agent pinned
# by digest: its agent block, run as rendered for demo-1 (paths moved
# under $T), installs exactly the published agent and fails on any step.
site_init "$T/site"
head -c 50000 /dev/urandom >"$T/agent-v1"
ok "publish an agent" "$PODBOOT_FAST" publish --config "$SITE/podboot.conf" \
	podboot-agent "$T/agent-v1"
check "server starts" server_start
C -f -o "$T/s2" "$BASE/boot/stage2.ipxe?mac=52:54:00:00:00:01"
ks=$(grep -o 'ks=[^ ]*' "$T/s2" | cut -d= -f2)
C -f -o "$T/demo.ks" "$ks"
check "demo-1's kickstart is rendered" grep -q '^%post --erroronfail' "$T/demo.ks"
check "it fetches the agent and its signature pinned by digest" sh -c \
	"grep -q 'artifacts/podboot-agent@sha256:\$agent\$' '$T/demo.ks' &&
	grep -q 'artifacts/podboot-agent@sha256:\$agent.sig\$' '$T/demo.ks'"
grep -o 'artifacts/podboot-agent[^ ]*' "$T/demo.ks" | sort -u >"$T/agent-urls"
check "every agent URL is the digest lookup or pinned" sh -c "! grep -vE \
	'^artifacts/podboot-agent(@sha256:[\$]agent(\\.sig)?)?\$' '$T/agent-urls'"
check "the by-name URL is only asked for its digest (HEAD)" \
	grep -q 'curl -fsSI .*/artifacts/podboot-agent |' "$T/demo.ks"
mkdir -p "$T/ks/etc" "$T/ks/sbin" "$T/ks/spool"
sed -n '/^%post --erroronfail$/,/^chmod 0755/p' "$T/demo.ks" | sed 1d |
	sed "s#/etc/podboot#$T/ks/etc#g; s#/usr/sbin#$T/ks/sbin#g;
	s#/var/spool/podboot-agent#$T/ks/spool#g; s#/tmp/podboot-agent.sig#$T/ks/agent.sig#g" \
	>"$T/agent-block.sh"
check "the agent block starts with set -e" grep -qx 'set -e' "$T/agent-block.sh"
sed -n '/^agent=\$(curl/,/^chmod 0755/p' "$TOP/agent/README.md" >"$T/readme-agent"
sed -n '/^agent=\$(curl/,/^chmod 0755/p' "$SITE/default.ks" >"$T/ks-agent"
check "agent/README.md shows the demo kickstart's agent lines as they are" \
	sh -c "[ -s '$T/ks-agent' ] && cmp -s '$T/readme-agent' '$T/ks-agent'"
ok "the agent block runs" sh "$T/agent-block.sh"
check "it installed the published agent" cmp -s "$T/agent-v1" "$T/ks/sbin/podboot-agent"
check "executable" [ -x "$T/ks/sbin/podboot-agent" ]
check "with the signature of that version" \
	openssl cms -verify -binary -inform DER -in "$T/ks/agent.sig" \
	-content "$T/agent-v1" -CAfile "$ROOT" -purpose any -out /dev/null
# A newer version is what the next install gets, pinned as well.
head -c 50000 /dev/urandom >"$T/agent-v2"
ok "publish a second agent" "$PODBOOT_FAST" publish --config "$SITE/podboot.conf" \
	podboot-agent "$T/agent-v2"
rm -f "$T/ks/sbin/podboot-agent" "$T/ks/agent.sig"
ok "the agent block runs again" sh "$T/agent-block.sh"
check "it installed the new agent" cmp -s "$T/agent-v2" "$T/ks/sbin/podboot-agent"
# A signature that does not verify (here v1's, for v2) stops it: the
# agent is not made executable, the block fails (the install with it).
C -f -o "$T/v1.sig" \
	"$BASE/artifacts/podboot-agent@sha256:$(sha256sum "$T/agent-v1" | cut -c1-64).sig"
sed "/-o .*agent.sig /a cp '$T/v1.sig' '$T/ks/agent.sig'" "$T/agent-block.sh" \
	>"$T/agent-block-badsig.sh"
rm -f "$T/ks/sbin/podboot-agent" "$T/ks/agent.sig"
sh "$T/agent-block-badsig.sh" >/dev/null 2>&1
check "with a signature that does not verify the agent block fails" [ $? != 0 ]
check "and leaves the agent not executable" [ ! -x "$T/ks/sbin/podboot-agent" ]
# api.md's reserved-name refusals are the server's own words: each row's
# text, with its placeholders filled in, is what a push gets.
ntoken=$(sed -n 's/^token = //p' "$T/demo.ks")
check "the kickstart carries demo-1's token" [ -n "$ntoken" ]
# push_err FILE: the "error" of pushing FILE with demo-1's token.
push_err() {
	C -H "Authorization: Bearer $ntoken" --data-binary @"$1" \
		"$BASE/api/v1/push" | sed -n 's/.*"error": "\(.*\)".*/\1/p'
}
printf 'node_load1 0.5\npodboot_series 1\n' >"$T/own-metric"
printf 'node_load1{pod="a",exported_pod="b"} 1\n' >"$T/own-label"
doc=$(grep -o '`line N: name reserved: metric NAME: [^`]*`' "$TOP/docs/api.md" |
	tr -d '`' | sed 's/line N/line 2/; s/NAME/podboot_series/')
check "api.md documents the reserved metric refusal" [ -n "$doc" ]
check "a reserved metric is refused with api.md's words, naming it" \
	[ "$(push_err "$T/own-metric")" = "$doc" ]
doc=$(grep -o '`line N: name reserved: label exported_L of NAME: [^`]*`' "$TOP/docs/api.md" |
	tr -d '`' | sed 's/line N/line 1/; s/exported_L/exported_pod/; s/of NAME/of node_load1/')
check "api.md documents the reserved label refusal" [ -n "$doc" ]
check "a reserved label is refused with api.md's words, naming it" \
	[ "$(push_err "$T/own-label")" = "$doc" ]
# A failed step stops it: no server, no agent installed.
server_stop
rm -f "$T/ks/sbin/podboot-agent" "$T/ks/agent.sig"
sh "$T/agent-block.sh" >/dev/null 2>&1
check "without the server the agent block fails" [ $? != 0 ]
check "and installs nothing" [ ! -e "$T/ks/sbin/podboot-agent" ]
finish
