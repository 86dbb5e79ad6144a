// Provider placement: each node carries exactly the placement block of the cluster's provider (a proxmox: block on
// a Hetzner cluster is a mistake, not something to ignore), with unique Proxmox VM ids.
import { parseIp } from "../../net/ip.js";
import { error, type Finding } from "../../findings.js";
import type { ClusterSpec } from "../schema.js";
import { closest } from "../suggest.js";
import { describeAddressError } from "./facts.js";

const PLACEMENTS = ["proxmox", "hetzner", "static"] as const;
export const HETZNER_LOCATIONS = ["fsn1", "nbg1", "hel1", "ash", "hil", "sin"];

export function checkProvider(spec: ClusterSpec): Finding[] {
  const out: Finding[] = [];
  const type = spec.provider.type;
  const vmids = new Map<number, string>();
  const maintenance = new Map<string, string>();

  if (spec.provider.type === "proxmox") {
    const e = spec.provider.endpoint;
    if (!/^https:\/\/[^/\s]+(\/.*)?$/.test(e))
      out.push(
        error(
          "provider.endpoint-format",
          ["provider", "endpoint"],
          `Proxmox endpoint "${e}" is not an https URL`,
          "write it as https://host:8006",
        ),
      );
  }
  if (spec.provider.type === "hetzner" && !HETZNER_LOCATIONS.includes(spec.provider.location)) {
    const guess = closest(spec.provider.location, HETZNER_LOCATIONS);
    out.push(
      error(
        "provider.hetzner-location",
        ["provider", "location"],
        `"${spec.provider.location}" is not a Hetzner Cloud location (${HETZNER_LOCATIONS.join(", ")})`,
        guess ? `did you mean "${guess}"?` : undefined,
      ),
    );
  }

  spec.nodes.forEach((n, i) => {
    for (const p of PLACEMENTS) {
      if (p !== type && n[p] !== undefined)
        out.push({
          ...error(
            "provider.wrong-placement",
            ["nodes", i, p],
            `node "${n.name}" has a ${p}: block but the provider is ${type}`,
            type === "static"
              ? `remove the ${p}: block, or give static: { address: … } instead`
              : `remove the ${p}: block and describe the node under ${type}:`,
          ),
          atKey: true,
        });
    }
    if (type === "proxmox") {
      if (!n.proxmox)
        out.push(
          error(
            "provider.missing-placement",
            ["nodes", i],
            `node "${n.name}" has no proxmox: block; cairn needs the Proxmox host and VM id to create it`,
            "add proxmox: { host: <pve node>, vmid: <id> }",
          ),
        );
      else {
        const owner = vmids.get(n.proxmox.vmid);
        if (owner !== undefined)
          out.push(
            error(
              "provider.duplicate-vmid",
              ["nodes", i, "proxmox", "vmid"],
              `VM id ${n.proxmox.vmid} is already used by node "${owner}"`,
              "VM ids are unique in a Proxmox datacenter; pick another",
            ),
          );
        else vmids.set(n.proxmox.vmid, n.name);
      }
    } else if (type === "hetzner") {
      if (!n.hetzner)
        out.push(
          error(
            "provider.missing-placement",
            ["nodes", i],
            `node "${n.name}" has no hetzner: block; cairn needs its server type`,
            "add hetzner: { serverType: cx32 } (or another type)",
          ),
        );
      else if (n.hetzner.location !== undefined && !HETZNER_LOCATIONS.includes(n.hetzner.location)) {
        const guess = closest(n.hetzner.location, HETZNER_LOCATIONS);
        out.push(
          error(
            "provider.hetzner-location",
            ["nodes", i, "hetzner", "location"],
            `"${n.hetzner.location}" is not a Hetzner Cloud location (${HETZNER_LOCATIONS.join(", ")})`,
            guess ? `did you mean "${guess}"?` : undefined,
          ),
        );
      }
    } else if (n.static) {
      const ip = parseIp(n.static.address);
      if (!ip)
        out.push(
          error(
            "provider.static-address-syntax",
            ["nodes", i, "static", "address"],
            describeAddressError(n.static.address),
            "give the address the machine answers on in maintenance mode, e.g. 192.168.1.50",
          ),
        );
      else {
        // Two nodes at one maintenance address: cairn would send both configs to the same machine.
        const key = `${ip.family}:${ip.value}`;
        const owner = maintenance.get(key);
        if (owner !== undefined)
          out.push(
            error(
              "provider.duplicate-static-address",
              ["nodes", i, "static", "address"],
              `maintenance address ${n.static.address} is already node "${owner}"'s`,
              "each machine answers on its own address in maintenance mode; check for a copy-paste mistake",
            ),
          );
        else maintenance.set(key, n.name);
      }
    }
  });
  return out;
}
