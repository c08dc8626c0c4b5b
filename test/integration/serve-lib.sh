# serve-lib.sh: start and stop a real podboot serve on 127.0.0.1 for tests.
# Sourced after lib.sh.  The server is killed by the test's EXIT trap.

SERVER_PID=
PORT=
SITE=

# site_init DIR [INIT ARGS...]: podboot init (with ARGS, e.g. --algo
# ecdsa) and a free port written into the config.
site_init() {
	SITE=$1
	shift
	"$PODBOOT" init --dir "$SITE" --server-name localhost \
		--server-ip 127.0.0.1 "$@" >/dev/null || return 1
	PORT=$(port_pick)
	sed -i "s/port = 8443;/port = $PORT;/; s#https://localhost:8443#https://localhost:$PORT#" \
		"$SITE/podboot.conf"
	ROOT=$SITE/keys/root.crt
	BASE=https://localhost:$PORT
	CI_TOKEN=$(awk '$1 == "ci" {print $2}' "$SITE/tokens")
	OP_TOKEN=$(awk '$1 == "operator" {print $2}' "$SITE/tokens")
}

# server_start: run podboot serve in the background, wait for /healthz.
server_start() {
	"$PODBOOT" serve --config "$SITE/podboot.conf" \
		>>"$SITE/serve.log" 2>&1 &
	SERVER_PID=$!
	wait_up 10 "$SERVER_PID" curl -s --cacert "$ROOT" -o /dev/null \
		"$BASE/healthz" && return 0
	echo "server did not start:" >&2
	tail -5 "$SITE/serve.log" >&2
	return 1
}

# server_stop [SIGNAL]: stop the server we started and wait for it.
server_stop() {
	[ -n "$SERVER_PID" ] || return 0
	kill "-${1:-TERM}" "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	SERVER_STATUS=$?
	SERVER_PID=
}

trap 'server_stop KILL; rm -rf "$T"' EXIT

# C ARGS...: curl against the server, trusting only the podboot root.
C() {
	curl -sS --cacert "$ROOT" "$@"
}

# status URL [CURL ARGS...]: print the HTTP status of a request.
# Error replies are also kept in $T/replies-error.log for secrets_check.
status() {
	local url=$1 code; shift
	code=$(curl -s --cacert "$ROOT" -o "$T/.body" -w '%{http_code}' "$@" "$url")
	case $code in [45]??) cat "$T/.body" >>"$T/replies-error.log" 2>/dev/null ;; esac
	echo "$code"
}
