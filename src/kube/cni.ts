// The CNI DaemonSets cairn recognises (by name, in any namespace): the one whose pods must run on every node
// before the node can be Ready. The twin's simulated kubelets use the same list.
const CNI_DAEMONSET_NAMES: readonly string[] = [
  "cilium",
  "kube-flannel",
  "calico-node",
  "kube-router",
  "weave-net",
  "antrea-agent",
  "kube-ovn-cni",
];

export function isCniDaemonSetName(name: string): boolean {
  return CNI_DAEMONSET_NAMES.includes(name);
}
