// Proxmox: an https API endpoint, and a placement with a VM id unique in the datacenter on every node.
import { error, type Finding } from "../../findings.js";
import type { ProviderSpecView } from "../types.js";
import type { ProxmoxPlacement, ProxmoxSection } from "./schema.js";

export function checkProxmox(spec: ProviderSpecView): Finding[] {
  const out: Finding[] = [];
  const provider = spec.provider as ProxmoxSection;
  if (!/^https:\/\/[^/\s]+(\/.*)?$/.test(provider.endpoint))
    out.push(
      error(
        "provider.endpoint-format",
        ["provider", "endpoint"],
        `Proxmox endpoint "${provider.endpoint}" is not an https URL`,
        "write it as https://host:8006",
      ),
    );
  const vmids = new Map<number, string>();
  spec.nodes.forEach((n, i) => {
    const placement = n.proxmox as ProxmoxPlacement | undefined;
    if (!placement) {
      out.push(
        error(
          "provider.missing-placement",
          ["nodes", i],
          `node "${n.name}" has no proxmox: block; cairn needs the Proxmox host and VM id to create it`,
          "add proxmox: { host: <pve node>, vmid: <id> }",
        ),
      );
      return;
    }
    const owner = vmids.get(placement.vmid);
    if (owner !== undefined)
      out.push(
        error(
          "provider.duplicate-vmid",
          ["nodes", i, "proxmox", "vmid"],
          `VM id ${placement.vmid} is already used by node "${owner}"`,
          "VM ids are unique in a Proxmox datacenter; pick another",
        ),
      );
    else vmids.set(placement.vmid, n.name);
  });
  return out;
}
