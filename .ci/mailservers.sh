#!/usr/bin/env bash
# Real mail servers for seniorbot's integration suite and benchmarks:
# Debian's Dovecot (IMAP) and Postfix (SMTP), on 127.0.0.1 only, with a
# private configuration under one directory, so nothing on the machine is
# touched and nothing listens beyond loopback.
#
#   .ci/mailservers.sh install        apt-get install dovecot-imapd dovecot-lmtpd postfix (non-interactive)
#   .ci/mailservers.sh start [DIR]    write config under DIR (default /tmp/seniorbot-mail), start both
#   .ci/mailservers.sh stop [DIR]     stop both
#   .ci/mailservers.sh {start,stop}-{dovecot,postfix} [DIR]   one server (the fault tests use these)
#   .ci/mailservers.sh env [DIR]      print the SENIORBOT_IT_* variables the integration suite reads
#
# Dovecot: user tilmelding@example.org / password "test", Maildir under
# DIR/mail, IMAP on 127.0.0.1:${IT_IMAP_PORT:-10143} without TLS (loopback).
# Postfix: SMTP on 127.0.0.1:${IT_SMTP_PORT:-10025}; it accepts mail for every
# domain. Mail for the bot's address (tilmelding@example.org) goes by LMTP
# (a unix socket under DIR/dovecot/run) into its Dovecot INBOX, as a real
# mail system would deliver it: send a registration with any mail client
# or swaks to 127.0.0.1:${IT_SMTP_PORT:-10025} and the bot reads it. Every
# other recipient's copy goes into one Maildir, DIR/delivered/sink/, with a
# Delivered-To header naming its recipient (Postfix's virtual agent adds it),
# so the tests count replies per recipient at the SMTP side. Recipients at
# afvist.example.com are refused with a permanent 550.
set -euo pipefail

cmd=${1:-}
DIR=${2:-${SENIORBOT_IT_DIR:-/tmp/seniorbot-mail}}
IMAP_PORT=${IT_IMAP_PORT:-10143}
SMTP_PORT=${IT_SMTP_PORT:-10025}
MAIL_USER=tilmelding@example.org
MAIL_PASS=test

install() {
	if command -v dovecot >/dev/null && [ -x /usr/lib/dovecot/lmtp ] && [ -x /usr/sbin/postfix ]; then
		return 0
	fi
	export DEBIAN_FRONTEND=noninteractive
	# Postfix asks what kind of mail system this is; answer "No configuration":
	# the test setup writes its own, private main.cf.
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
	echo "postfix postfix/mailname string localhost" | debconf-set-selections
	# Don't let the packages start system-wide services on 0.0.0.0.
	local policy_added=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
		policy_added=1
	fi
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends dovecot-imapd dovecot-lmtpd postfix >/dev/null
	if [ -n "$policy_added" ]; then rm -f /usr/sbin/policy-rc.d; fi
}

write_dovecot() {
	mkdir -p "$DIR/dovecot/run" "$DIR/dovecot/state" "$DIR/mail"
	chown nobody:nogroup "$DIR/mail"
	echo "$MAIL_USER:{PLAIN}$MAIL_PASS" > "$DIR/dovecot/users"
	cat > "$DIR/dovecot/dovecot.conf" <<CONF
# Private Dovecot for seniorbot's tests: loopback only, plain text allowed
# there, one user, Maildir under $DIR/mail; LMTP on a unix socket for
# Postfix to deliver the user's mail.
base_dir = $DIR/dovecot/run
state_dir = $DIR/dovecot/state
instance_name = seniorbot-test
log_path = $DIR/dovecot/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:$DIR/mail/%u/Maildir
mail_uid = nobody
mail_gid = nogroup
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $DIR/dovecot/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$DIR/mail/%u
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \Sent
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  # Postfix's lmtp client runs as user postfix.
  unix_listener lmtp {
    mode = 0666
  }
}
service imap {
  # The kill -9 and benchmark runs open many sessions over time.
  process_limit = 64
}
protocol imap {
  mail_max_userip_connections = 64
  imap_idle_notify_interval = 2 mins
}
CONF
}

write_postfix() {
	local pf="$DIR/postfix"
	mkdir -p "$pf/etc" "$pf/data" "$DIR/delivered"
	mkdir -p "$pf/queue"
	chown postfix:postfix "$pf/data" "$DIR/delivered"
	cat > "$pf/etc/main.cf" <<CONF
# Private Postfix for seniorbot's tests: listens on 127.0.0.1:$SMTP_PORT only,
# accepts every domain, delivers the bot's mail by LMTP into its Dovecot
# INBOX, and every other recipient's copy into one Maildir.
compatibility_level = 3.6
queue_directory = $pf/queue
data_directory = $pf/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mail.example.org
mydomain = example.org
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
smtpd_banner = \$myhostname ESMTP seniorbot-test
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = check_recipient_access regexp:$pf/etc/refuse, permit_mynetworks, reject
virtual_mailbox_domains = static:all
# The bot's own address goes to Dovecot, like mail from a kommune would.
transport_maps = inline:{ $MAIL_USER=lmtp:unix:$DIR/dovecot/run/lmtp }
virtual_mailbox_base = $DIR/delivered
virtual_mailbox_maps = static:sink/
virtual_uid_maps = static:$(id -u postfix)
virtual_gid_maps = static:$(id -g postfix)
virtual_minimum_uid = 1
virtual_mailbox_limit = 0
message_size_limit = 104857600
maillog_file = $pf/postfix.log
maillog_file_prefixes = $DIR
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtputf8_enable = yes
# Fast delivery for latency measurements.
in_flow_delay = 0
CONF
	printf '/@afvist\\.example\\.com$/ 550 5.1.1 Mailbox unavailable (test: permanent refusal)\n' > "$pf/etc/refuse"
	cat > "$pf/etc/master.cf" <<CONF
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
CONF
	postfix -c "$pf/etc" set-permissions >/dev/null 2>&1 || true
	postfix -c "$pf/etc" check </dev/null || { script -qc "postfix -c $pf/etc check" /dev/null; exit 1; }
}

wait_port() { # host port what
	for _ in $(seq 1 100); do
		if (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	echo "mailservers: $3 did not start listening on $1:$2" >&2
	return 1
}

start_dovecot() {
	[ -f "$DIR/dovecot/dovecot.conf" ] || write_dovecot
	# Never hand the daemon our stdout: it would keep a caller's pipe open.
	if ! dovecot -c "$DIR/dovecot/dovecot.conf" </dev/null >>"$DIR/dovecot/start.log" 2>&1; then
		cat "$DIR/dovecot/start.log" >&2; return 1
	fi
	wait_port 127.0.0.1 "$IMAP_PORT" dovecot
}
stop_dovecot() {
	if [ -f "$DIR/dovecot/dovecot.conf" ]; then
		doveadm -c "$DIR/dovecot/dovecot.conf" stop 2>/dev/null || true
		for _ in $(seq 1 50); do
			[ -e "$DIR/dovecot/run/master.pid" ] || break
			sleep 0.1
		done
	fi
}
start_postfix() {
	[ -f "$DIR/postfix/etc/main.cf" ] || write_postfix
	if ! postfix -c "$DIR/postfix/etc" start </dev/null >>"$DIR/postfix/start.log" 2>&1; then
		cat "$DIR/postfix/start.log" >&2; return 1
	fi
	wait_port 127.0.0.1 "$SMTP_PORT" postfix
}
stop_postfix() {
	if [ -f "$DIR/postfix/etc/main.cf" ]; then
		postfix -c "$DIR/postfix/etc" stop 2>/dev/null || true
		# "stop" returns before the listener is gone; wait for it.
		for _ in $(seq 1 100); do
			(exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null || break
			sleep 0.1
		done
	fi
}

print_env() {
	cat <<ENV
export SENIORBOT_IT_DIR=$DIR
export SENIORBOT_IT_IMAP=127.0.0.1:$IMAP_PORT
export SENIORBOT_IT_SMTP=127.0.0.1:$SMTP_PORT
export SENIORBOT_IT_USER=$MAIL_USER
export SENIORBOT_IT_PASSWORD=$MAIL_PASS
export SENIORBOT_IT_MAILDIR=$DIR/mail/$MAIL_USER/Maildir
export SENIORBOT_IT_DELIVERED=$DIR/delivered
export SENIORBOT_IT_CONTROL=$(cd "$(dirname "$0")" && pwd)/mailservers.sh
ENV
}

case "$cmd" in
install) install ;;
start)
	stop_dovecot; stop_postfix
	rm -rf "$DIR"; mkdir -p "$DIR"
	write_dovecot; write_postfix
	start_dovecot; start_postfix
	echo "mailservers: Dovecot on 127.0.0.1:$IMAP_PORT, Postfix on 127.0.0.1:$SMTP_PORT, files in $DIR"
	;;
stop) stop_dovecot; stop_postfix ;;
start-dovecot) start_dovecot ;;
stop-dovecot) stop_dovecot ;;
start-postfix) start_postfix ;;
stop-postfix) stop_postfix ;;
env) print_env ;;
*) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac
