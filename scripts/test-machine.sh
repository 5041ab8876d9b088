#!/usr/bin/env bash
# `npm test`'s pretest: brings the machine to what the integration tests use beyond node_modules.
#   Chromium (web UI tests), OpenSSH (a loopback sshd for the ssh transport), Podman + runc serving
#   the Docker-compatible API on /run/podman/podman.sock (container tests), a Docker Engine (Debian's
#   docker.io) on /run/gridctl-docker/docker.sock (the container tests again), OpenSSL (certificates
#   the OpenAPI TLS tests make), Prometheus (a real scraper of /metrics), zsh and fish (the
#   completion scripts are loaded in them).
# As root it installs whatever is missing from Debian's archive (one apt-get update, one install)
# and starts the API service; otherwise it stops at once with the command that does. When all is
# in place it only checks, in well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."

SOCK=/run/podman/podman.sock
CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
has() { command -v "$1" >/dev/null 2>&1; }
# Node is here already (npm runs us); curl may not be. Answers whether the engine API at $1 says OK.
ping() {
  node -e '
    require("node:http")
      .get({ socketPath: process.argv[1], path: "/_ping", timeout: 2000 }, (r) => {
        let b = "";
        r.on("data", (c) => (b += c)).on("end", () => process.exit(b.trim() === "OK" ? 0 : 1));
      })
      .on("error", () => process.exit(1))
      .on("timeout", () => process.exit(1));
  ' "$1"
}
# Any engine the tests would find (src/runtime/detect.ts): DOCKER_HOST, Docker's socket, Podman's.
engine() {
  local s
  for s in ${DOCKER_HOST:+"${DOCKER_HOST#unix://}"} /var/run/docker.sock "$SOCK" \
    "${XDG_RUNTIME_DIR:-/run/user/$(id -u)}/podman/podman.sock"; do
    [ -S "$s" ] && ping "$s" && return 0
  done
  return 1
}
root() { [ "$(id -u)" = 0 ]; }
# The container tests run a second time against a real Docker Engine (`npm run test:docker`), on a
# private socket so that Podman stays the engine the rest of the suite finds.
DOCKER_DIR=/run/gridctl-docker
DOCKER_SOCK=$DOCKER_DIR/docker.sock
docker_up() {
  [ -S "$DOCKER_SOCK" ] && ping "$DOCKER_SOCK" && return 0
  root || as_root "no Docker Engine answers on $DOCKER_SOCK"
  echo "== starting dockerd on $DOCKER_SOCK"
  mkdir -p "$DOCKER_DIR" /var/lib/gridctl-docker
  (cd / && nohup dockerd --host "unix://$DOCKER_SOCK" --data-root /var/lib/gridctl-docker \
    --exec-root "$DOCKER_DIR/exec" --pidfile "$DOCKER_DIR/docker.pid" >"$DOCKER_DIR/dockerd.log" 2>&1 &)
  for _ in $(seq 1 300); do ping "$DOCKER_SOCK" && return 0; sleep 0.1; done
  echo "dockerd did not answer on $DOCKER_SOCK:" >&2
  tail -20 "$DOCKER_DIR/dockerd.log" >&2
  exit 1
}
as_root() {
  echo "npm test: $1. Run this once (it installs and starts what the tests use), then npm test again:" >&2
  echo "  sudo bash scripts/test-machine.sh" >&2
  exit 1
}

missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
{ [ -x /usr/sbin/sshd ] && has ssh && has ssh-keygen; } || missing+=(openssh-server)
has openssl || missing+=(openssl)
[ -x /usr/bin/prometheus ] || missing+=(prometheus)
has zsh || missing+=(zsh)
has fish || missing+=(fish)
[ -x /usr/sbin/dockerd ] || missing+=(docker.io)
if ! engine; then
  has podman || missing+=(podman)
  has runc || missing+=(runc)
elif [ ${#missing[@]} -eq 0 ]; then
  docker_up
  exit 0
fi

if [ ${#missing[@]} -gt 0 ]; then
  root || as_root "missing Debian packages: ${missing[*]}"
  has apt-get || { echo "npm test: needs ${missing[*]}, and this is not a Debian system (no apt-get)" >&2; exit 1; }
  echo "== installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

docker_up
if engine; then exit 0; fi
if ! root && [ -S "$SOCK" ] && [ ! -w "$SOCK" ]; then
  echo "npm test: the container tests cannot use root's Podman socket $SOCK as $(id -un). Run npm test" >&2
  echo "as root, or serve rootless Podman for yourself: podman system service --time=0 &" >&2
  exit 1
fi
root || as_root "no container engine answers (tried DOCKER_HOST, /var/run/docker.sock, $SOCK, rootless Podman)"

# Why each setting: crun fails on hybrid cgroups (so runc), systemd cgroups may be unavailable in
# containers (so cgroupfs), and default ulimits must stay below the sandbox's hard limits. A
# containers.conf someone wrote is left alone.
if [ ! -e /etc/containers/containers.conf ]; then
  mkdir -p /etc/containers
  cat >/etc/containers/containers.conf <<'CONF'
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
CONF
fi

echo "== starting the Podman API service on $SOCK"
mkdir -p /run/podman
# From /: the service (and every conmon it forks) keeps this working directory, and a checkout
# removed later would break every container start ("Failed to get working directory").
(cd / && nohup podman system service --time=0 "unix://$SOCK" >/run/podman/service.log 2>&1 &)
for _ in $(seq 1 100); do ping "$SOCK" && break; sleep 0.1; done
ping "$SOCK" || { echo "the Podman API service did not answer on $SOCK:" >&2; cat /run/podman/service.log >&2; exit 1; }
echo "== podman $(podman --version | awk '{print $3}') serving $SOCK"
