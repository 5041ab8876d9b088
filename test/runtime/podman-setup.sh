#!/usr/bin/env bash
# Installs Podman (Debian) and serves its Docker-compatible API on /run/podman/podman.sock.
# Idempotent and quick when already done: CI runs it on every `.ci/run`.
set -euo pipefail
SOCK=/run/podman/podman.sock

if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
  echo "== installing podman + runc"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc >/dev/null
fi

# crun fails here (hybrid cgroups), systemd cgroups are unavailable, and ulimits must stay below the
# sandbox's hard limits.
mkdir -p /etc/containers
if ! grep -qs 'runtime = "runc"' /etc/containers/containers.conf; then
  cat > /etc/containers/containers.conf <<'CONF'
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
CONF
fi

ping() { curl -s -m 2 --unix-socket "$SOCK" http://d/_ping 2>/dev/null | grep -q OK; }
if ! ping; then
  echo "== starting the podman API service on $SOCK"
  mkdir -p /run/podman
  # From /: the service (and every conmon it forks) keeps this working directory, and a checkout
  # that is removed later would break every container start ("Failed to get working directory").
  (cd / && nohup podman system service --time=0 "unix://$SOCK" >/tmp/podman-service.log 2>&1 &)
  for _ in $(seq 1 100); do ping && break; sleep 0.1; done
  ping || { echo "podman service did not answer on $SOCK"; cat /tmp/podman-service.log; exit 1; }
fi
echo "== podman $(podman --version | awk '{print $3}') serving $SOCK"
