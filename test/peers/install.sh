#!/usr/bin/env bash
# Installs (from Debian's packages) and starts what the tests need. Idempotent; run as root.
set -euo pipefail

packages=(nginx pebble docker.io docker-registry openssh-server openssh-client shellcheck busybox-static tmux openssl iproute2 dnsutils iptables cloud-init curl cron
  mmdebstrap systemd-container apt-utils gnupg  # the DigitalOcean twin: Debian 13 droplets (test/sandbox/twin)
  wrk caddy)  # wrk and caddy: the gateway benchmark (npm run bench), not the tests
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
# Likewise Debian's caddy (a system service on :80); the gateway benchmark runs its own in a namespace.
if pgrep -x caddy >/dev/null; then { [ -x /usr/sbin/service ] && service caddy stop >/dev/null 2>&1; } || pkill -x caddy || true; fi

# Debian's cron is there for /usr/bin/crontab and /var/spool/cron/crontabs (1730 root:crontab): each
# sandbox machine bind-mounts its own spool over /var/spool/cron, so `crontab FILE` inside one never
# touches this machine's crontab, and no cron daemon runs inside a machine (tests run the line
# themselves). A cron daemon here reads only this machine's spool; still, one that this install
# started is stopped (in a container with Docker's policy-rc.d, `exit 101`, the package starts none).
if [[ " ${missing[*]:-} " == *" cron "* ]] && pgrep -x cron >/dev/null; then
  if [ -x /usr/sbin/service ]; then service cron stop >/dev/null 2>&1 || true; fi
  if pgrep -x cron >/dev/null; then echo "a cron daemon still runs (pid $(pgrep -x cron | tr '\n' ' ')): it runs this machine's crontabs, never a sandbox machine's" >&2; fi
fi

# Downloads packages from Debian suite $1 (sid, trixie, ...) with a private apt configuration (the
# system's sources, lists and packages stay untouched) and unpacks them into a fresh folder $2.
unpack_from_debian() {
  local suite=$1 dest=$2 work
  shift 2
  work=$(mktemp -d)
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
  echo "deb http://deb.debian.org/debian $suite main" > "$work/sources.list"
  local apt_private=(-o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache" -o Debug::NoLocking=1)
  apt-get "${apt_private[@]}" update -qq
  (cd "$work/debs" && apt-get "${apt_private[@]}" download -qq "$@" 2>/dev/null)
  rm -rf "$dest" && mkdir -p "$dest"
  for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$dest"; done
  rm -rf "$work"
}

# The same from Debian unstable: unpack_from_unstable DEST PKGS...
unpack_from_unstable() { unpack_from_debian sid "$@"; }

# A newer nginx (>= 1.27.3, for the upstream-resolve rendering) from Debian unstable, unpacked into its
# own root filesystem and run with chroot. A private apt configuration: the system's sources, lists and
# packages stay untouched.
newer_nginx=/opt/swarm-wiz-test/nginx-unstable
if ! chroot "$newer_nginx" /usr/sbin/nginx -v >/dev/null 2>&1; then
  echo "unpacking nginx from Debian unstable into $newer_nginx"
  unpack_from_unstable "$newer_nginx" nginx nginx-common libc6 libgcc-s1 libzstd1 zlib1g libcrypt1 libpcre2-8-0 libssl3t64
  for dir in lib lib64 bin sbin; do [ -e "$newer_nginx/$dir" ] || ln -s "usr/$dir" "$newer_nginx/$dir"; done
  mkdir -p "$newer_nginx/var/lib/nginx" "$newer_nginx/dev" "$newer_nginx/proc" "$newer_nginx/run" "$newer_nginx/tmp"
  printf 'root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n' > "$newer_nginx/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$newer_nginx/etc/group"
  : > "$newer_nginx/etc/hosts"
  chroot "$newer_nginx" /usr/sbin/nginx -v
fi

# Pebble 2.10 (ARI, profiles) from Debian unstable: Debian 12's 2.4 knows neither. The package holds
# static Go binaries (usr/bin/pebble, usr/bin/pebble-challtestsrv); unpacked with the same private apt.
newer_pebble=/opt/swarm-wiz-test/pebble-unstable
if [ ! -x "$newer_pebble/usr/bin/pebble" ] || [ ! -x "$newer_pebble/usr/bin/pebble-challtestsrv" ]; then
  echo "unpacking pebble from Debian unstable into $newer_pebble"
  unpack_from_unstable "$newer_pebble" pebble
  if [ ! -x "$newer_pebble/usr/bin/pebble" ] || [ ! -x "$newer_pebble/usr/bin/pebble-challtestsrv" ]; then
    echo "the unstable pebble package did not hold usr/bin/pebble and usr/bin/pebble-challtestsrv" >&2
    exit 1
  fi
fi

# restic from Debian 13 (trixie; 0.18 when written): the droplets run Debian 13's restic, and Debian 12's
# 0.14 cannot restore a snapshot's subfolder (`restore ID:subfolder`). The package holds a Go binary
# (usr/bin/restic) linked only against libc, which runs here; unpacked with the same private apt.
trixie_restic=/opt/swarm-wiz-test/restic-trixie
if ! "$trixie_restic/usr/bin/restic" version >/dev/null 2>&1; then
  echo "unpacking restic from Debian 13 (trixie) into $trixie_restic"
  unpack_from_debian trixie "$trixie_restic" restic
  if [ ! -x "$trixie_restic/usr/bin/restic" ]; then
    echo "the trixie restic package did not hold usr/bin/restic" >&2
    exit 1
  fi
  "$trixie_restic/usr/bin/restic" version
fi

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
echo "peers ready: nginx $(nginx -v 2>&1 | sed 's/.*\///'), pebble, restic $("$trixie_restic/usr/bin/restic" version | awk '{print $2}'), dockerd, shellcheck $(shellcheck --version | sed -n 's/^version: //p')"
