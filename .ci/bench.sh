#!/usr/bin/env bash
# Speed and memory of seniorbot against real mail servers (see
# cmd/seniorbench): starts Dovecot and Postfix on 127.0.0.1 (other ports
# than the integration suite), runs the benchmark, prints the report and
# stops the servers. Arguments go to seniorbench, e.g. --messages 2000.
set -euo pipefail
cd "$(dirname "$0")/.."
export IT_IMAP_PORT=${IT_IMAP_PORT:-11143} IT_SMTP_PORT=${IT_SMTP_PORT:-11025}
bash .ci/mailservers.sh install
dir=$(mktemp -d /tmp/seniorbench-mail.XXXXXX)
cleanup() { bash .ci/mailservers.sh stop "$dir" || true; rm -rf "$dir"; }
trap cleanup EXIT
bash .ci/mailservers.sh start "$dir"
eval "$(bash .ci/mailservers.sh env "$dir")"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(dovecot --version | cut -d' ' -f1) Dovecot, Postfix $(postconf -c "$dir/postfix/etc" -h mail_version), $(go version | cut -d' ' -f3)"
CGO_ENABLED=0 go run ./cmd/seniorbench "$@"
