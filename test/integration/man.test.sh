# man.test.sh: the man pages in man/ are mandoc-clean and say what the code
# says: every option of every command's table (scripts/completion --tables,
# from the binaries) in its command's subsection of podboot(8) or in
# podboot-agent(8), every setting of server/config/config_tables.c in its
# group's subsection of podboot.conf(5) with its default, and nothing more.
. "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
AGENT=${PODBOOT_AGENT:-$(dirname "$PODBOOT")/podboot-agent}
M=$top/man

if command -v mandoc >/dev/null; then
	for page in podboot.8 podboot.conf.5 podboot-agent.8; do
		ok "mandoc -Tlint -Wwarning $page" mandoc -Tlint -Wwarning "$M/$page"
	done
else
	skip "mandoc is not installed (scripts/deps installs it)"
fi

"$top/scripts/completion" --tables podboot "$PODBOOT" >"$T/podboot.tables"
"$top/scripts/completion" --tables podboot-agent "$AGENT" >"$T/agent.tables"
check "podboot's tables listed" grep -q '^keys init;;server-name;NAME$' \
	"$T/podboot.tables"
check "the agent's table listed" grep -q '^;c;config;FILE$' "$T/agent.tables"

# mancheck WHAT: runs man-check.py's check WHAT; its "ok"/"FAIL" lines are
# counted like every other check.
mancheck() {
	python3 "$(dirname "$0")/tools/man-check.py" "$1" "$top" "$T" >"$OUT" 2>"$ERR"
	local rc=$?
	cat "$OUT"
	PASS=$((PASS + $(grep -c '^ok ' "$OUT")))
	FAIL=$((FAIL + $(grep -c '^FAIL ' "$OUT")))
	[ "$rc" = 0 ] || { FAIL=$((FAIL + 1)); echo "FAIL - man-check.py $1 exited $rc"; cat "$ERR"; }
}

mancheck podboot
mancheck agent
mancheck conf

# The checker itself must notice drift: a page with an option removed, a
# stale option added and a default changed.
mkdir -p "$T/drift/man"
cp -r "$top/server" "$top/agent" "$T/drift/"
sed '/^\.It Fl -days Ar N$/,+1d' "$M/podboot.8" >"$T/drift/man/podboot.8"
sed 's/^\.It Fl -procfs Ar DIR$/&\n.It Fl -frobnicate\nNot an option./' \
	"$M/podboot-agent.8" >"$T/drift/man/podboot-agent.8"
sed 's/default 8443/default 8444/' "$M/podboot.conf.5" >"$T/drift/man/podboot.conf.5"
for what in podboot agent conf; do
	python3 "$(dirname "$0")/tools/man-check.py" "$what" "$T/drift" "$T" \
		>"$OUT" 2>"$ERR"
	check "a drifted page fails the $what check" grep -q '^FAIL ' "$OUT"
done
check "the missing --days is named" sh -c \
	"python3 '$(dirname "$0")/tools/man-check.py' podboot '$T/drift' '$T' | grep -q 'keys rotate-codesign.*--days'"
finish
