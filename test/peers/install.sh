#!/usr/bin/env bash
# Installs (from Debian's packages) and starts what the tests need. Idempotent; run as root.
set -euo pipefail

packages=(nginx pebble docker.io openssh-server shellcheck busybox-static tmux openssl iproute2 dnsutils iptables cloud-init curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Debian nginx package starts a system nginx on :80 on install; tests run their own on loopback ports.
if pgrep -x nginx >/dev/null && [ -x /usr/sbin/service ]; then service nginx stop >/dev/null 2>&1 || true; fi

# dockerd with the vfs storage driver works without overlay support in the kernel.
if ! docker info >/dev/null 2>&1; then
  echo "starting dockerd (vfs)"
  nohup dockerd --storage-driver vfs >/var/log/swarm-wiz-test-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /var/log/swarm-wiz-test-dockerd.log" >&2; exit 1; }
fi

# `docker stack config` (offline compose validation) needs a docker CLI of 23 or newer.
if ! docker stack config --help >/dev/null 2>&1; then
  echo "the docker CLI on PATH ($(command -v docker)) has no 'stack config'; install docker CLI >= 23" >&2
  exit 1
fi
echo "peers ready: nginx $(nginx -v 2>&1 | sed 's/.*\///'), pebble, dockerd, shellcheck $(shellcheck --version | sed -n 's/^version: //p')"
