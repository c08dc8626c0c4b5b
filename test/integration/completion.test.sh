# completion.test.sh: the bash completion scripts/completion generates from
# the option tables, driven through COMP_WORDS as bash would drive it.
. "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
AGENT=${PODBOOT_AGENT:-$(dirname "$PODBOOT")/podboot-agent}

# The hidden --list-options lists a table and runs nothing.
ok "--list-options sign lists sign's table" \
	"$PODBOOT" --list-options sign "$T/no-such-file"
check "with its rows as --help prints them" grep -qE -- '-o, --output FILE' "$OUT"
check "and signs nothing" [ ! -e "$T/no-such-file.sig" ]
"$PODBOOT" --list-options keys >"$OUT" 2>"$ERR"
check "keys alone has no table: exit 2" [ $? = 2 ]
ok "--list-options keys issue-server" "$PODBOOT" --list-options keys issue-server
check "lists --out PREFIX" grep -q -- '--out PREFIX' "$OUT"

ok "generate podboot's completion" \
	"$top/scripts/completion" podboot "$PODBOOT"
cp "$OUT" "$T/podboot.bash"
ok "generate podboot-agent's completion" \
	"$top/scripts/completion" podboot-agent "$AGENT"
cp "$OUT" "$T/podboot-agent.bash"
ok "both are valid bash" bash -n "$T/podboot.bash" "$T/podboot-agent.bash"

# A directory to complete file names in.
mkdir -p "$T/w/keysdir" "$T/w/kea"
touch "$T/w/podboot.conf" "$T/w/root.crt" "$T/w/kernel"

# comp WORD...: the candidates bash would offer for the last WORD (may be
# ""), one per line, sorted, with the completion files sourced in a clean
# bash in $T/w.
comp() {
	(cd "$T/w" && bash --norc --noprofile -c '
		. "$0/podboot.bash"; . "$0/podboot-agent.bash"
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		f=$(complete -p "$1" | awk "{print \$(NF-1)}")
		"$f" && printf "%s\n" "${COMPREPLY[@]}" | sort' "$T" "$@")
}

# expect "WORDS" CANDIDATES...: comp WORDS offers exactly CANDIDATES; a
# trailing space in WORDS is an empty word being completed.
expect() {
	local words=$1 got want w
	shift
	read -ra w <<<"$words"
	[[ $words != *" " ]] || w+=("")
	got=$(comp "${w[@]}" | xargs)
	want=$(printf '%s\n' "$@" | sort | xargs)
	echo "completing '$words': got '$got', expected '$want'" >"$ERR"
	: >"$OUT"
	[ "$got" = "$want" ]
	_report $? "complete '$words' -> $want"
}

expect "podboot " init keys sign publish resign serve dhcp haproxy bmc verify
expect "podboot -v ke" keys
expect "podboot keys " init rotate-codesign issue-server issue-uefi import-uefi
expect "podboot keys i" init issue-server issue-uefi import-uefi
expect "podboot keys init --server-" --server-name --server-ip --server-alt
expect "podboot keys rotate-codesign --" --dir --days --help
expect "podboot keys issue-server --o" --out
expect "podboot keys init --dir keys" keysdir
expect "podboot dhcp " render apply leases
expect "podboot dhcp --config podboot.conf a" apply
expect "podboot dhcp render --l" --lease-file --lease-cmds --lifetime
expect "podboot serve --c" --config --check
expect "podboot haproxy --m" --monitor-listen
expect "podboot serve --config p" podboot.conf
expect "podboot serve -c r" root.crt
expect "podboot verify kernel kernel --root r" root.crt
expect "podboot sign ke" kernel keysdir kea
expect "podboot serve --config = p" podboot.conf
expect "podboot-agent --rel" --relay --relay-token-file
expect "podboot-agent --spool k" keysdir kea
expect "podboot-agent --relay --cert r" root.crt
expect "podboot-agent -i "
finish
