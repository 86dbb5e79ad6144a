// kube-vip: the Kubernetes API address (controlPlane.vip with type kube-vip), held by leader election.
import type { Addon } from "../types.js";
import { checkKubeVip } from "./checks.js";
import { renderKubeVip } from "./render.js";
import { sections } from "./schema.js";
import { KUBE_VIP_IMAGE } from "./versions.js";

export const kubeVip: Addon = {
  name: "kube-vip",
  sections,
  enabled: (spec) => spec.controlPlane.vip?.type === "kube-vip",
  versions: () => [
    { component: "kube-vip image", version: KUBE_VIP_IMAGE.split(":")[1]!, source: KUBE_VIP_IMAGE },
  ],
  check: checkKubeVip,
  render: renderKubeVip,
};
