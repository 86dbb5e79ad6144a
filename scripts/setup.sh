#!/usr/bin/env bash
# Installs everything cairn's tests and the twin need on a fresh Debian machine, then the npm dependencies.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || missing+=(etcd-client)
command -v age >/dev/null 2>&1 || missing+=(age)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# The `cairn ui` browser tests drive Debian's Chromium (never a browser a test tool downloads).
[ -x /usr/bin/chromium ] || missing+=(chromium)
# The provider API fakes are proved with the official clients, and cidata ISOs with real ISO 9660 readers.
command -v hcloud >/dev/null 2>&1 || missing+=(hcloud-cli)
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import hcloud" >/dev/null 2>&1 || missing+=(python3-hcloud)
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import proxmoxer" >/dev/null 2>&1 || missing+=(python3-proxmoxer)
command -v xorriso >/dev/null 2>&1 || missing+=(xorriso)
command -v isoinfo >/dev/null 2>&1 || missing+=(genisoimage)
# The throwaway rescue-system key of `cairn image hetzner` is checked with ssh-keygen; the provider tests and
# rehearse.sh give twin nodes their spec addresses inside a network namespace with `ip`.
command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]} from Debian" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # etcd-server's package would start a system-wide member; policy-rc.d stops that, cairn runs its own.
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  $SUDO rm -f /usr/sbin/policy-rc.d
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
# npm ci builds dist/ through the prepare script; a checkout whose node_modules was kept still needs a build.
[ -f dist/cli/main.js ] || npm run build
