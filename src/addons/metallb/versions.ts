// MetalLB's chart from its Helm repository. 0.15.3 matches the reference CRD schemas (BGPPeer "0.15.3 update",
// IPAddressPool from late 2025).
export const METALLB_CHART = {
  name: "metallb",
  version: "0.15.3",
  repository: "https://metallb.github.io/metallb",
};
