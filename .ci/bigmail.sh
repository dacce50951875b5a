#!/usr/bin/env bash
# Peak memory of the daemon with big mail (issue 11): eight 30 MB
# HTML-only mails arrive in one batch in a real Dovecot; seniorbot run
# handles them; /usr/bin/time -v reports the peak RSS. Target: < 100 MB.
#
#   bash .ci/bigmail.sh [SENIORBOT_BINARY]
#
# Uses .ci/mailservers.sh (Dovecot and Postfix on 127.0.0.1, ports
# IT_IMAP_PORT/IT_SMTP_PORT, default 22143/22025 here) in a temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."
export IT_IMAP_PORT=${IT_IMAP_PORT:-22143} IT_SMTP_PORT=${IT_SMTP_PORT:-22025}
bash .ci/mailservers.sh install
dir=$(mktemp -d /tmp/seniorbot-bigmail.XXXXXX)
cleanup() { bash .ci/mailservers.sh stop "$dir" || true; rm -rf "$dir"; }
trap cleanup EXIT
bash .ci/mailservers.sh start "$dir"
eval "$(bash .ci/mailservers.sh env "$dir")"
bin=${1:-}
if [ -z "$bin" ]; then
	bin=$dir/seniorbot
	go build -o "$bin" ./cmd/seniorbot
fi

maildir=$SENIORBOT_IT_MAILDIR
mkdir -p "$maildir/new" "$maildir/cur" "$maildir/tmp"
line="<p>$(printf 'fyld %.0s' $(seq 30))</p>"
for i in 1 2 3 4 5 6 7 8; do
	f="$maildir/new/$(date +%s).big$i.localhost"
	{
		printf 'From: Anne Hansen <hr@aarhus.dk>\r\nTo: tilmelding@example.org\r\nSubject: Stor HTML %s\r\n' "$i"
		printf 'Message-ID: <big-%s@aarhus.dk>\r\nDate: Mon, 01 Aug 2022 10:00:00 +0200\r\nMIME-Version: 1.0\r\n' "$i"
		printf 'Content-Type: text/html; charset=utf-8\r\n\r\n<p>Hvor mange m&aring; vi tilmelde?</p>\r\n'
		(yes "$line" || true) | head -c $((30 * 1024 * 1024))
	} > "$f"
done
chown -R nobody:nogroup "$dir/mail"

echo "$SENIORBOT_IT_PASSWORD" > "$dir/pw"
chmod 600 "$dir/pw"
cat > "$dir/seniorbot.toml" <<CFG
[imap]
host = "127.0.0.1"
port = $IT_IMAP_PORT
tls = "none"
username = "$SENIORBOT_IT_USER"
password_file = "$dir/pw"
[smtp]
host = "127.0.0.1"
port = $IT_SMTP_PORT
tls = "none"
from = "Seniorpartnerskabet <tilmelding@example.org>"
[storage]
path = "$dir/seniorbot.db"
[campaign]
deadline = "2099-09-01"
east_day = "2099-09-29"
west_day = "2099-10-11"
contacts = [ { name = "Kontakt KL", email = "kontakt-kl@example.org" } ]
CFG

/usr/bin/time -v "$bin" --config "$dir/seniorbot.toml" run 2> "$dir/run.err" &
timer=$!
for _ in $(seq 120); do
	[ "$(grep -c 'message processed' "$dir/run.err" || true)" -ge 8 ] && break
	sleep 1
done
sleep 3 # let the answers go out
pkill -TERM -P "$timer" || true
wait "$timer" || true
echo "messages processed: $(grep -c 'message processed' "$dir/run.err" || true) of 8"
grep -E 'Maximum resident set size' "$dir/run.err"
