# secrets.sh: no secret ever reaches a log, the audit trail or an error
# reply.  Sourced by lib.sh; finish() runs secrets_check on the test's $T.
#
# Secrets: every token of a tokens file under DIR, the node-token key of
# every data directory, and any node token (ID.HEX64) or bearer token
# (pbt_HEX32+) in any form.  Looked for in: every *.log file (server logs,
# error replies kept by status()), and the events table of every
# podboot.db (the audit trail /api/v1/events serves), and any saved reply
# that is a JSON error or an events dump.

# The token shapes podboot hands out, as grep -E patterns.
SECRETS_SHAPES='pbt_[0-9a-fA-F]{32}|[A-Za-z0-9_-]\.[0-9a-fA-F]{64}'

# secrets_list DIR: the literal secrets found under DIR, one a line.
secrets_list() {
	local f
	find "$1" -type f -name tokens 2>/dev/null | while read -r f; do
		awk 'NF >= 2 && $1 !~ /^#/ { print $2 }' "$f"
	done
	find "$1" -type f -name node-token.key 2>/dev/null | while read -r f; do
		od -An -tx1 -v "$f" | tr -d ' \n'
		echo
	done
}

# secrets_places DIR: the files to search, one a line: logs, event dumps
# made here from each database, and saved JSON replies.
secrets_places() {
	local dir=$1 db f n=0
	find "$dir" -type f -name '*.log' 2>/dev/null
	find "$dir" -type f -name podboot.db 2>/dev/null | while read -r db; do
		n=$((n + 1))
		sqlite3 -cmd ".timeout 2000" "$db" \
			"SELECT kind, subject, detail FROM events;" \
			>"$dir/.events-$n.dump" 2>/dev/null && echo "$dir/.events-$n.dump"
	done
	# Saved replies holding a token shape: an error reply or an event
	# dump must not (a stage2 script or a kickstart may).
	grep -rlIE "$SECRETS_SHAPES" "$dir" 2>/dev/null | while read -r f; do
		case $f in *.log|*.dump) continue ;; esac
		jq -e 'if type == "object" then has("error")
		       elif type == "array" then any(.[]; type == "object" and has("kind"))
		       else false end' "$f" >/dev/null 2>&1 && echo "$f"
	done
}

# secrets_check DIR: one check, counted like the test's own.
secrets_check() {
	local dir=$1 list places hits
	[ -d "$dir" ] || return 0
	list=$dir/.secrets
	places=$dir/.places
	secrets_list "$dir" | awk 'length($0) >= 8' | sort -u >"$list"
	secrets_places "$dir" | sort -u >"$places"
	hits=$(
		while read -r f; do
			[ -f "$f" ] || continue
			grep -HnE "$SECRETS_SHAPES" "$f"
			[ -s "$list" ] && grep -HnFf "$list" "$f"
		done <"$places" | sort -u | head -5
	)
	rm -f "$list" "$places" "$dir"/.events-*.dump
	printf '%s\n' "$hits" >"$OUT"
	: >"$ERR"
	[ -z "$hits" ]
	_report $? "no secret in logs, events or error replies ($(basename "$0"))"
}
