#!/usr/bin/env bash
# A second, current Docker Engine beside the machine's: Debian sid's docker.io, in a mount namespace and
# a network namespace of its own, with nothing of the project's folders shared into it. Only its socket
# is visible outside, at $SOCK: to lab-server, the tests and verify-labs it looks like Docker Desktop or a
# remote engine does (an API and nothing else).
#
#   .ci/second-engine.sh prepare              debootstrap the engine's root (cached under $ENGINES_DIR)
#   .ci/second-engine.sh start classic|containerd
#                                             start it with the classic image store or the containerd
#                                             one (Engine 29's default on fresh installs), load the lab images
#   .ci/second-engine.sh stop                 stop it; its namespaces and mounts go with it
#
# Needs root, debootstrap, ip (iproute2), unshare (util-linux) and the machine's own engine with the lab
# images (npm run images) to copy them from.
set -euo pipefail

ENGINES_DIR=${BULKHEAD_ENGINES_DIR:-/var/lib/bulkhead-engines}
ROOTFS=$ENGINES_DIR/sid-root
NETNS=bulkhead-sid
SOCK_DIR=/run/bulkhead-sid
SOCK=$SOCK_DIR/docker.sock
PID_FILE=$ENGINES_DIR/dockerd.pid
LOG=$ENGINES_DIR/dockerd.log
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
WAIT_S=90
# procps: the daemon runs `ps` on its host for `docker top`, as any real host has it.
PACKAGES="docker.io iptables ca-certificates procps"

say() { echo "second engine: $*"; }

prepare() {
  if [[ -x $ROOTFS/usr/sbin/dockerd && $(cat "$ROOTFS/.bulkhead-packages" 2>/dev/null) == "$PACKAGES" ]]; then
    say "root at $ROOTFS already has $(chroot "$ROOTFS" dpkg-query -W -f='docker.io ${Version}' docker.io)"
    return
  fi
  local tmp=$ROOTFS.partial
  rm -rf "$tmp"
  mkdir -p "$ENGINES_DIR"
  say "debootstrapping Debian sid into $tmp (about a minute)"
  debootstrap --variant=minbase sid "$tmp" "$MIRROR" >"$ENGINES_DIR/debootstrap.log" 2>&1 || { tail -20 "$ENGINES_DIR/debootstrap.log"; exit 1; }
  cp /etc/resolv.conf "$tmp/etc/resolv.conf"
  # No service may start inside the chroot while packages install.
  printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
  chmod 0755 "$tmp/usr/sbin/policy-rc.d"
  say "installing docker.io from sid"
  # A mirror snapshot's Release file may be past its Valid-Until; the packages are still signed.
  local apt=(chroot "$tmp" apt-get -o Acquire::Check-Valid-Until=false)
  "${apt[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq --no-install-recommends $PACKAGES >"$ENGINES_DIR/apt.log" 2>&1 || { tail -20 "$ENGINES_DIR/apt.log"; exit 1; }
  chroot "$tmp" apt-get clean
  echo "$PACKAGES" >"$tmp/.bulkhead-packages"
  rm -rf "$ROOTFS"
  mv "$tmp" "$ROOTFS"
  say "installed $(chroot "$ROOTFS" dpkg-query -W -f='docker.io ${Version}' docker.io)"
}

running() { [[ -f $PID_FILE ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }

start() {
  local mode=${1:?classic or containerd}
  [[ $mode == classic || $mode == containerd ]] || { echo "mode is classic or containerd, not $mode" >&2; exit 2; }
  running && stop
  prepare
  local data=$ENGINES_DIR/data-$mode
  mkdir -p "$data" "$SOCK_DIR" "$ROOTFS/etc/docker"
  if [[ $mode == containerd ]]; then
    echo '{ "features": { "containerd-snapshotter": true } }' >"$ROOTFS/etc/docker/daemon.json"
  else
    echo '{ "features": { "containerd-snapshotter": false } }' >"$ROOTFS/etc/docker/daemon.json"
  fi
  ip netns list | grep -qx "$NETNS" || ip netns add "$NETNS"
  ip -n "$NETNS" link set lo up
  # The cgroup hierarchies as the machine mounts them; `ip netns exec` hides them under a fresh /sys.
  local cgroups
  cgroups=$(awk '$3 == "cgroup" || $3 == "cgroup2" { print $3 " " $4 " " $2 }' /proc/self/mounts)
  rm -f "$SOCK"
  say "starting dockerd ($mode image store); log: $LOG"
  ROOTFS=$ROOTFS DATA=$data SOCK_DIR=$SOCK_DIR CGROUPS=$cgroups ip netns exec "$NETNS" unshare --mount --propagation private -- bash -c '
    set -e
    mount --bind "$ROOTFS" "$ROOTFS"
    mount -t proc proc "$ROOTFS/proc"
    mount -t sysfs sysfs "$ROOTFS/sys"
    mount -t tmpfs -o mode=0755 cgroup_root "$ROOTFS/sys/fs/cgroup"
    while read -r type options path; do
      [ -n "$type" ] || continue
      mkdir -p "$ROOTFS$path"
      mount -t "$type" -o "$options" "$type" "$ROOTFS$path"
    done <<<"$CGROUPS"
    mount --rbind /dev "$ROOTFS/dev"
    mount -t tmpfs -o mode=0755 run "$ROOTFS/run"
    mkdir -p "$ROOTFS$SOCK_DIR" "$ROOTFS/var/lib/docker"
    mount --bind "$SOCK_DIR" "$ROOTFS$SOCK_DIR"
    mount --bind "$DATA" "$ROOTFS/var/lib/docker"
    mkdir -p "$ROOTFS/.host"
    cd "$ROOTFS"
    pivot_root . .host
    umount -l /.host
    exec /usr/sbin/dockerd -H "unix://$SOCK_DIR/docker.sock" --pidfile /run/docker.pid
  ' >"$LOG" 2>&1 &
  echo $! >"$PID_FILE"
  for ((i = 0; i < WAIT_S * 2; i++)); do
    [[ -S $SOCK ]] && DOCKER_HOST=unix://$SOCK docker version >/dev/null 2>&1 && break
    running || { say "dockerd exited; its log:"; tail -30 "$LOG"; exit 1; }
    sleep 0.5
  done
  DOCKER_HOST=unix://$SOCK docker version >/dev/null 2>&1 || { say "no answer within ${WAIT_S}s; its log:"; tail -30 "$LOG"; exit 1; }
  say "Engine $(DOCKER_HOST=unix://$SOCK docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})') at unix://$SOCK, $(DOCKER_HOST=unix://$SOCK docker info --format 'cgroup v{{.CgroupVersion}}, {{.Driver}} storage')"
  load_images
}

load_images() {
  local images
  images=$(docker images --format '{{.Repository}}:{{.Tag}}' | grep -E '^(bulkhead/|debian:trixie-slim$)' | sort)
  [[ -n $images ]] || { say "the machine's engine has no lab images: run npm run images first"; exit 1; }
  say "copying $(wc -l <<<"$images") image tags from the machine's engine"
  # shellcheck disable=SC2086
  docker save $images | DOCKER_HOST=unix://$SOCK docker load -q >/dev/null
}

stop() {
  if running; then
    local pid; pid=$(cat "$PID_FILE")
    say "stopping dockerd (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  # containerd, its shims and any container left: everything that still runs in the engine's namespace.
  if ip netns list | grep -qx "$NETNS"; then
    ip netns pids "$NETNS" | xargs -r kill -9 2>/dev/null || true
  fi
  rm -f "$PID_FILE" "$SOCK"
  ip netns list | grep -qx "$NETNS" && ip netns delete "$NETNS" || true
}

case ${1:-} in
  prepare) prepare ;;
  start) start "${2:-}" ;;
  stop) stop ;;
  socket) echo "unix://$SOCK" ;;
  *) echo "usage: $0 prepare | start classic|containerd | stop | socket" >&2; exit 2 ;;
esac
