#!/usr/bin/env bash
# Rehearses a cluster's whole life on the twin (a local SIMULATED Talos fleet with real etcd): bring the machines
# up in maintenance mode, apply and bootstrap, check health, roll a Talos upgrade through every node, show status,
# then take the twin down. Every step is an ordinary cairn command, printed before it runs.
#
#   bash scripts/rehearse.sh [SPEC] [TALOS_VERSION_TO_UPGRADE_TO]
set -euo pipefail
cd "$(dirname "$0")/.."
spec="${1:-examples/homelab-proxmox-vlans.yaml}"
to="${2:-}"
export PATH="$PWD/node_modules/.bin:$PATH"   # Node 24 from the dev dependency
cairn() { echo "+ cairn $*" >&2; node bin/cairn.js "$@"; }

if [ -z "$to" ]; then
  # The newest patch of the next Talos minor cairn supports, or of the same minor when it is the newest.
  to=$(node --input-type=module -e '
    import { loadSpecFile } from "./dist/clusterspec/load.js";
    import { TALOS_MINORS, talosMinor } from "./dist/talos/versions.js";
    const m = loadSpecFile(process.argv[1]).model;
    const i = TALOS_MINORS.indexOf(talosMinor(m.talosVersion));
    console.log("v" + TALOS_MINORS[Math.min(i + 1, TALOS_MINORS.length - 1)].latestPatch);' "$spec")
fi
dir=$(node --input-type=module -e '
  import { loadSpecFile } from "./dist/clusterspec/load.js";
  import { dirname, join, resolve } from "node:path";
  const m = loadSpecFile(process.argv[1]).model;
  console.log(join(dirname(resolve(process.argv[1])), ".cairn", m.name, "twin"));' "$spec")
trap 'cairn twin down --state-dir "$dir" >/dev/null || true' EXIT

cairn validate "$spec"
cairn apply -f "$spec" --twin --yes
cairn health -f "$spec" --twin
cairn upgrade talos --to "$to" -f "$spec" --twin --yes
cairn status -f "$spec" --twin
