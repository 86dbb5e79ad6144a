#!/usr/bin/env bash
# The issue-4 acceptance, scripted as a new user would type it (docs/twin-walkthrough.md quotes these lines):
# a 3 + 2 twin, configs rendered from a small cairn.yaml whose node addresses are the twin's, apply in maintenance
# mode, bootstrap, 3 etcd members, a snapshot etcdctl accepts, and `twin down` leaving no cairn or etcd process.
#
#   usage: test/acceptance/twin-walkthrough.sh WORK_DIR [SUBNET]     (SUBNET: a loopback /24, default 127.0.42.0/24)
#
# Runs bin/cairn.js from this repository (which loads dist/: build first) with the Node 24 devDependency.
set -euo pipefail

WORK=${1:?usage: twin-walkthrough.sh WORK_DIR [SUBNET]}
SUBNET=${2:-127.0.42.0/24}
[[ $SUBNET =~ ^127\.([0-9]+)\.([0-9]+)\.0/24$ ]] || {
  echo "SUBNET must be a loopback /24 such as 127.0.42.0/24, not $SUBNET" >&2
  exit 2
}
NET=${SUBNET%.0/24}
CP1=$NET.1 CP2=$NET.2 CP3=$NET.3 W1=$NET.4 W2=$NET.5

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export PATH="$REPO/node_modules/.bin:$PATH"
cairn() { node "$REPO/bin/cairn.js" "$@"; }

mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
cd "$WORK"
STATE=$WORK/twin

# Whatever happens, the twin (and its etcd members) goes away.
trap 'cairn twin down --state-dir "$STATE" >/dev/null 2>&1 || true' EXIT

step() { printf '\n$ %s\n' "$*"; }

# Bounded wait: up to $1 attempts 0.5 s apart of the rest of the line (quiet until the last attempt).
retry() {
  local n=$1 i
  shift
  for ((i = 1; i < n; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  "$@"
}

step "cairn twin up --controlplanes 3 --workers 2 --subnet $SUBNET --state-dir $STATE"
cairn twin up --controlplanes 3 --workers 2 --subnet "$SUBNET" --state-dir "$STATE"

# The cluster, described the cairn way: one node per twin address.
step "cat > cairn.yaml"
cat >cairn.yaml <<EOF
apiVersion: cairn.dev/v1alpha1
kind: Cluster
name: walkthrough
talos:
  version: v1.13.9
networks:
  twin:
    cidr: $SUBNET
provider:
  type: static
nodes:
  - { name: cp-1, role: controlplane, static: { address: $CP1 }, interfaces: [{ network: twin, address: $CP1 }] }
  - { name: cp-2, role: controlplane, static: { address: $CP2 }, interfaces: [{ network: twin, address: $CP2 }] }
  - { name: cp-3, role: controlplane, static: { address: $CP3 }, interfaces: [{ network: twin, address: $CP3 }] }
  - { name: worker-1, role: worker, static: { address: $W1 }, interfaces: [{ network: twin, address: $W1 }] }
  - { name: worker-2, role: worker, static: { address: $W2 }, interfaces: [{ network: twin, address: $W2 }] }
EOF
cat cairn.yaml

step "cairn render -f cairn.yaml -o cfg"
cairn render -f cairn.yaml -o cfg

# Maintenance mode: no client certificate; cairn prints each node's certificate fingerprint.
for node in cp-1:$CP1 cp-2:$CP2 cp-3:$CP3 worker-1:$W1 worker-2:$W2; do
  step "cairn talos apply-config --insecure -n ${node#*:} --file cfg/nodes/${node%%:*}.yaml"
  cairn talos apply-config --insecure -n "${node#*:}" --file "cfg/nodes/${node%%:*}.yaml"
done

# The nodes "reboot" into normal mode (mTLS with the talosconfig's certificate): wait up to 30 s.
step "cairn talos version --talosconfig cfg/talosconfig -e $CP1 -n $CP1,$CP2,$CP3,$W1,$W2"
retry 60 cairn talos version --talosconfig cfg/talosconfig -e "$CP1" -n "$CP1,$CP2,$CP3,$W1,$W2"
cairn talos version --talosconfig cfg/talosconfig -e "$CP1" -n "$CP1,$CP2,$CP3,$W1,$W2" | tee version.txt
[[ $(grep -c 'Tag:' version.txt) == 5 ]]
echo "5 nodes answer in normal mode"

step "cairn talos bootstrap -n $CP1 -e $CP1 --talosconfig cfg/talosconfig"
cairn talos bootstrap -n "$CP1" -e "$CP1" --talosconfig cfg/talosconfig

# The other control planes join etcd after the bootstrap: wait up to 30 s for three members.
three_members() {
  [[ $(cairn talos etcd members -n "$CP1" -e "$CP1" --talosconfig cfg/talosconfig --output json | grep -c '"hostname"') == 3 ]]
}
retry 60 three_members
step "cairn talos etcd members -n $CP1 -e $CP1 --talosconfig cfg/talosconfig"
cairn talos etcd members -n "$CP1" -e "$CP1" --talosconfig cfg/talosconfig
echo "etcd members: 3"

step "cairn talos etcd snapshot s.db -n $CP1 -e $CP1 --talosconfig cfg/talosconfig"
cairn talos etcd snapshot s.db -n "$CP1" -e "$CP1" --talosconfig cfg/talosconfig

step "etcdctl snapshot status s.db -w table"
etcdctl snapshot status s.db -w table

step "cairn twin down --state-dir $STATE"
cairn twin down --state-dir "$STATE"

step "pgrep -af -- \"$STATE\""
if pgrep -af -- "$STATE"; then
  echo "FAIL: processes of the twin in $STATE are still running" >&2
  exit 1
fi
if pgrep -af -- "etcd .*--data-dir $STATE/"; then
  echo "FAIL: etcd members of the twin in $STATE are still running" >&2
  exit 1
fi
echo "no cairn twin or etcd process left"
echo
echo "walkthrough: OK"
