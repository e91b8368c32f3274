#!/usr/bin/env bash
# Build a release binary and install dwt-relay with its unit, example config and spool folders.
# Never overwrites an existing config or secret. Run as root from the package folder.
# DWT_RELAY_BINARY=PATH installs an already built binary (its resource bundle beside it) instead of building.
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX=${PREFIX:-/usr/local}
binary=${DWT_RELAY_BINARY:-}
if [ -z "$binary" ]; then
    swift build -c release --static-swift-stdlib
    binary=.build/release/dwt-relay
fi
install -D -m 0755 "$binary" "$PREFIX/bin/dwt-relay"
# The reference data bundle travels beside the binary.
bundle=$(find "$(dirname "$binary")" -maxdepth 1 -name 'dwt-relay_DWTRelayCore.resources' | head -1)
if [ -n "$bundle" ]; then rm -rf "$PREFIX/bin/$(basename "$bundle")"; cp -r "$bundle" "$PREFIX/bin/"; fi
getent group dwt-relay >/dev/null || groupadd --system dwt-relay
getent group dwt-relay-writers >/dev/null || groupadd --system dwt-relay-writers
getent group dwt-relay-readers >/dev/null || groupadd --system dwt-relay-readers
getent passwd dwt-relay >/dev/null || useradd --system --gid dwt-relay --groups dwt-relay-writers \
    --home-dir /var/lib/dwt-relay --shell /usr/sbin/nologin dwt-relay
install -d -m 0755 /etc/dwt-relay
# The config holds no secret (the client secret and storage key are files of their own).
[ -e /etc/dwt-relay/dwt-relay.yaml ] || install -m 0644 Config/dwt-relay.example.yaml /etc/dwt-relay/dwt-relay.yaml
[ -e /etc/dwt-relay/client-secret ] || install -m 0600 /dev/null /etc/dwt-relay/client-secret
# The key that encrypts payloads at rest. Back it up: without it stored payloads cannot be read.
if [ ! -e /etc/dwt-relay/storage-key ]; then
    (umask 077 && head -c 32 /dev/urandom | base64 > /etc/dwt-relay/storage-key)
fi
install -d -m 0755 -o dwt-relay -g dwt-relay /var/spool/dwt-relay
install -d -m 2770 -o dwt-relay -g dwt-relay-writers /var/spool/dwt-relay/inbox
install -d -m 2750 -o dwt-relay -g dwt-relay-writers /var/spool/dwt-relay/failed /var/spool/dwt-relay/results
# Members of dwt-relay-readers may run status, list, show and export; setgid so the database files take the group.
install -d -m 2750 -o dwt-relay -g dwt-relay-readers /var/lib/dwt-relay
for file in /var/lib/dwt-relay/dwt-relay.sqlite /var/lib/dwt-relay/dwt-relay.sqlite-wal \
    /var/lib/dwt-relay/dwt-relay.sqlite-shm; do
    if [ -f "$file" ]; then chgrp dwt-relay-readers "$file" && chmod 0640 "$file"; fi
done
sed "s|/usr/local/bin/dwt-relay|$PREFIX/bin/dwt-relay|" systemd/dwt-relay.service > /etc/systemd/system/dwt-relay.service
command -v systemctl >/dev/null && systemctl daemon-reload || true
echo "installed. Next: put the client secret in /etc/dwt-relay/client-secret, set api.client_id and site.api_code"
echo "in /etc/dwt-relay/dwt-relay.yaml, then: systemctl enable --now dwt-relay && dwt-relay status"
