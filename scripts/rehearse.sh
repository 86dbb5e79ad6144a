#!/usr/bin/env bash
# Rehearses a cluster's whole life with ordinary cairn commands, each printed before it runs. A Proxmox or Hetzner
# spec is provisioned through its API against a SIMULATED API server (test/fakes) that boots twin nodes at the
# spec's own addresses, inside a network namespace of its own (so 10.8.16.20 & co. exist nowhere else): plan, apply
# (VMs or servers made, configs, etcd bootstrapped once), health, a rolling Talos upgrade, status, destroy. A static
# spec runs on the twin (a local SIMULATED Talos fleet with real etcd): apply --twin, health, upgrade, status.
#
#   bash scripts/rehearse.sh [SPEC] [TALOS_VERSION_TO_UPGRADE_TO]
set -euo pipefail
cd "$(dirname "$0")/.."
spec="${1:-examples/homelab-proxmox-vlans.yaml}"
to="${2:-}"
export PATH="$PWD/node_modules/.bin:$PATH"   # Node 24 from the dev dependency
cairn() { echo "+ cairn $*" >&2; node bin/cairn.js "$@"; }
facts() { # provider, cluster name, upgrade target, and the simulated API server's arguments, from the spec
  node --input-type=module -e '
    import { loadSpecFile } from "./dist/clusterspec/load.js";
    import { TALOS_MINORS, talosMinor } from "./dist/talos/versions.js";
    const m = loadSpecFile(process.argv[1]).model, p = m.spec.provider;
    const i = TALOS_MINORS.indexOf(talosMinor(m.talosVersion));
    const args = [];
    if (p.type === "proxmox") {
      args.push("--nodes", [...new Set(m.nodes.map((n) => n.spec.proxmox.host))].join(","));
      const st = { local: new Set(["iso", "import", "vztmpl", "backup"]), "local-lvm": new Set(["images", "rootdir"]) };
      const add = (s, c) => (st[s] ??= new Set()).add(c);
      add(p.storage, "images"); add(p.isoStorage, "iso"); add(p.importStorage ?? p.isoStorage, "import");
      args.push("--storages", Object.entries(st).map(([s, c]) => `${s}:dir:${[...c].join("+")}`).join(","));
    }
    console.log([p.type, m.name, "v" + TALOS_MINORS[Math.min(i + 1, TALOS_MINORS.length - 1)].latestPatch, ...args].join(" "));' "$1"
}
read -r provider cluster next fakeargs <<<"$(facts "$spec")"
to="${to:-$next}"

if [ "$provider" = static ]; then
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
  exit 0
fi

# A network namespace of our own (root: unshare --net; otherwise a user namespace maps us to root in it).
if [ -z "${CAIRN_REHEARSE_NETNS:-}" ]; then
  userns=(); [ "$(id -u)" -eq 0 ] || userns=(--map-root-user)
  exec env CAIRN_REHEARSE_NETNS=1 unshare --net "${userns[@]}" bash "$0" "$spec" "$to"
fi
ip link set lo up
state=$(mktemp -d); trap 'kill "$fake" 2>/dev/null; wait "$fake" 2>/dev/null; rm -rf "$state"' EXIT
echo "+ starting the SIMULATED $provider API (test/fakes/$provider) $fakeargs" >&2
node --import ./test/fakes/register.mjs "test/fakes/$provider/main.ts" $fakeargs --state-dir "$state" \
  --twin --assign-addresses --apply-user-data --reboot-ms 500 >"$state/info.json" 2>"$state/fake.log" &
fake=$!
until [ -s "$state/info.json" ]; do kill -0 "$fake" || { cat "$state/fake.log" >&2; exit 1; }; sleep 0.2; done
info() { node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[process.argv[2]])' "$state/info.json" "$1"; }
if [ "$provider" = proxmox ]; then
  export CAIRN_PROXMOX_ENDPOINT="$(info url)" CAIRN_PROXMOX_FINGERPRINT="$(info fingerprint)"
  export PROXMOX_TOKEN_ID="$(info tokenId)" PROXMOX_TOKEN_SECRET="$(info tokenSecret)"
else
  export HCLOUD_ENDPOINT="$(info endpoint)" HCLOUD_TOKEN="$(info token)" CAIRN_SSH="$PWD/test/fakes/hetzner/fake-ssh.mjs"
fi
export CAIRN_TWIN_REBOOT_MS=500

cairn validate "$spec"
[ "$provider" = hetzner ] && cairn image hetzner -f "$spec" --yes
cairn plan -f "$spec" || [ $? -eq 2 ]
cairn apply -f "$spec" --yes
cairn health -f "$spec"
cairn upgrade talos --to "$to" -f "$spec" --yes
cairn status -f "$spec"
cairn destroy -f "$spec" --yes-destroy "$cluster"
