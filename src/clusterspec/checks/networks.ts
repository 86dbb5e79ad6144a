// Networks, pod and service subnets, nameservers: well-formed CIDRs and addresses, sane VLAN/MTU values, and no
// two address spaces that overlap (except a pod subnet sharing a network that carries pods, which is the native
// routing setup of seed 000).
import {
  broadcastOf,
  parseCidr,
  parseIp,
  parseRange,
  rangeWithin,
  cidrAsRange,
  overlappingPairs,
} from "../../net/ip.js";
import type { Cidr } from "../../net/ip.js";
import { error, type FieldPath, type Finding } from "../../findings.js";
import type { ClusterSpec } from "../schema.js";
import { providerDefaults } from "../../providers/registry.js";
import {
  describeAddressError,
  describeCidrError,
  describeRangeError,
  factsOf,
  familyName,
  rangeText,
} from "./facts.js";

export const VLAN_MIN = 1;
export const VLAN_MAX = 4094;
export const MTU_MIN = 576;
export const MTU_MAX = 9216;

export function vlanFinding(vlan: number | undefined, path: FieldPath, allowUntagged: boolean): Finding[] {
  if (vlan === undefined || (allowUntagged && vlan === 0) || (vlan >= VLAN_MIN && vlan <= VLAN_MAX))
    return [];
  return [
    error(
      "net.vlan-range",
      path,
      `VLAN ${vlan} is out of range: 802.1Q ids are ${VLAN_MIN}–${VLAN_MAX}${allowUntagged ? " (or 0 for untagged)" : ""}`,
      allowUntagged
        ? "use a VLAN id from 1 to 4094, or 0 to send this interface untagged"
        : "use a VLAN id from 1 to 4094, or remove vlan for an untagged network",
    ),
  ];
}

export function mtuFinding(mtu: number | undefined, path: FieldPath): Finding[] {
  if (mtu === undefined || (mtu >= MTU_MIN && mtu <= MTU_MAX)) return [];
  return [
    error(
      "net.mtu-range",
      path,
      `MTU ${mtu} is out of range ${MTU_MIN}–${MTU_MAX}`,
      "use 1500 for standard Ethernet or 9000 for jumbo frames",
    ),
  ];
}

function cidrFindings(text: string, path: FieldPath): Finding[] {
  const c = parseCidr(text);
  if (typeof c !== "string") return [];
  return [
    error(
      c === "host-bits" ? "net.cidr-host-bits" : "net.cidr-syntax",
      path,
      describeCidrError(text, c),
      c === "host-bits"
        ? "write the network address (all host bits zero)"
        : "write a network as address/prefix, e.g. 10.0.0.0/24",
    ),
  ];
}

interface Space {
  what: string;
  path: FieldPath;
  cidr: Cidr;
  kind: "network" | "pod" | "service";
  carriesPods: boolean;
}

export function checkNetworks(spec: ClusterSpec): Finding[] {
  const out: Finding[] = [];
  const facts = factsOf(spec);

  for (const n of facts.networks.values()) {
    const base: FieldPath = ["networks", n.name];
    out.push(...cidrFindings(n.spec.cidr, [...base, "cidr"]));
    out.push(...vlanFinding(n.spec.vlan, [...base, "vlan"], false));
    const tagging = n.spec.tagging ?? providerDefaults(spec.provider.type).vlanTagging;
    if (spec.provider.type === "hetzner" && n.spec.vlan !== undefined && tagging === "hypervisor")
      out.push(
        error(
          "net.vlan-not-tagged",
          [...base, "vlan"],
          `network "${n.name}" has VLAN ${n.spec.vlan}, but Hetzner Cloud tags nothing on a server's network interface`,
          "remove vlan (a vSwitch coupling maps VLANs outside the server), or set tagging: node if the server's link really carries tagged frames",
        ),
      );
    out.push(...mtuFinding(n.spec.mtu, [...base, "mtu"]));
    if (n.spec.gateway !== undefined) {
      const gpath = [...base, "gateway"];
      if (!n.gateway)
        out.push(
          error(
            "net.address-syntax",
            gpath,
            describeAddressError(n.spec.gateway),
            "write the gateway as a plain address, e.g. 10.0.0.1",
          ),
        );
      else if (n.cidr) {
        if (n.gateway.family !== n.cidr.family)
          out.push(
            error(
              "net.family-mismatch",
              gpath,
              `gateway ${n.spec.gateway} is ${familyName(n.gateway.family)} but network "${n.name}" (${n.cidr.text}) is ${familyName(n.cidr.family)}`,
              "use a gateway of the network's address family",
            ),
          );
        else if (
          !rangeWithin(
            { family: n.gateway.family, start: n.gateway.value, end: n.gateway.value, text: "" },
            cidrAsRange(n.cidr),
          )
        )
          out.push(
            error(
              "net.gateway-outside",
              gpath,
              `gateway ${n.spec.gateway} is outside network "${n.name}" (${n.cidr.text})`,
              `use an address inside ${n.cidr.text}, usually its first host`,
            ),
          );
        else if (n.gateway.value === n.cidr.base && !(n.cidr.family === 4 && n.cidr.prefix >= 31))
          out.push(
            error(
              "net.gateway-network-address",
              gpath,
              `gateway ${n.spec.gateway} is the network address of ${n.cidr.text}`,
              "use a host address, usually the first one",
            ),
          );
        else if (n.gateway.value === broadcastOf(n.cidr))
          out.push(
            error(
              "net.gateway-broadcast",
              gpath,
              `gateway ${n.spec.gateway} is the broadcast address of ${n.cidr.text}`,
              "use a host address, usually the first one",
            ),
          );
      }
    }
    n.spec.reserved.forEach((r, i) => {
      const rpath = [...base, "reserved", i];
      const range = parseRange(r);
      if (typeof range === "string") {
        out.push(
          error(
            range === "reversed" ? "net.range-reversed" : "net.range-syntax",
            rpath,
            describeRangeError(r, range),
            "write an address, a range a.b.c.d-a.b.c.e (low to high), or a CIDR",
          ),
        );
      } else if (n.cidr && !rangeWithin(range, cidrAsRange(n.cidr))) {
        out.push(
          error(
            "net.reserved-outside",
            rpath,
            `reserved ${rangeText(range)} is not inside network "${n.name}" (${n.cidr.text})`,
            "reserve only addresses of this network",
          ),
        );
      }
    });
  }

  for (const s of [...facts.podSubnets, ...facts.serviceSubnets]) {
    const text =
      s.kind === "pod" ? spec.kubernetes.podSubnets[s.index]! : spec.kubernetes.serviceSubnets[s.index]!;
    out.push(...cidrFindings(text, s.path));
  }

  // Dual stack allows at most one subnet per family, and pods and services must use the same families.
  for (const [kind, list] of [
    ["pod", facts.podSubnets],
    ["service", facts.serviceSubnets],
  ] as const) {
    const seen = new Map<number, number>();
    for (const s of list) {
      if (!s.cidr) continue;
      const prev = seen.get(s.cidr.family);
      if (prev !== undefined)
        out.push(
          error(
            "net.dual-stack",
            s.path,
            `${kind} subnet ${s.cidr.text} is the second ${familyName(s.cidr.family)} ${kind} subnet (the first is ${list[prev]!.cidr!.text}); Kubernetes takes at most one per family`,
            `keep one IPv4 and/or one IPv6 ${kind} subnet`,
          ),
        );
      else seen.set(s.cidr.family, s.index);
    }
  }
  const fams = (l: typeof facts.podSubnets) => new Set(l.flatMap((s) => (s.cidr ? [s.cidr.family] : [])));
  const podF = fams(facts.podSubnets);
  const svcF = fams(facts.serviceSubnets);
  for (const s of facts.serviceSubnets)
    if (s.cidr && podF.size && !podF.has(s.cidr.family))
      out.push(
        error(
          "net.dual-stack",
          s.path,
          `service subnet ${s.cidr.text} is ${familyName(s.cidr.family)} but no pod subnet is`,
          "give pods and services the same address families",
        ),
      );
  for (const s of facts.podSubnets)
    if (s.cidr && svcF.size && !svcF.has(s.cidr.family))
      out.push(
        error(
          "net.dual-stack",
          s.path,
          `pod subnet ${s.cidr.text} is ${familyName(s.cidr.family)} but no service subnet is`,
          "give pods and services the same address families",
        ),
      );

  // Overlaps among networks, pod subnets and service subnets, each pair once, reported at the later entry.
  const spaces: Space[] = [];
  for (const n of facts.networks.values())
    if (n.cidr)
      spaces.push({
        what: `network "${n.name}" (${n.cidr.text})`,
        path: ["networks", n.name, "cidr"],
        cidr: n.cidr,
        kind: "network",
        carriesPods: n.spec.carries.includes("pods"),
      });
  for (const s of facts.podSubnets)
    if (s.cidr)
      spaces.push({
        what: `pod subnet ${s.cidr.text}`,
        path: s.path,
        cidr: s.cidr,
        kind: "pod",
        carriesPods: false,
      });
  for (const s of facts.serviceSubnets)
    if (s.cidr)
      spaces.push({
        what: `service subnet ${s.cidr.text}`,
        path: s.path,
        cidr: s.cidr,
        kind: "service",
        carriesPods: false,
      });
  for (const [i, j] of overlappingPairs(spaces.map((s) => cidrAsRange(s.cidr)))) {
    const a = spaces[i]!;
    const b = spaces[j]!;
    const aIn = rangeWithin(cidrAsRange(a.cidr), cidrAsRange(b.cidr));
    const bIn = rangeWithin(cidrAsRange(b.cidr), cidrAsRange(a.cidr));
    // Native pod routing: the pod subnet may be (part of) a network that carries pods, or contain it.
    const podsOnPodNetwork =
      (b.kind === "pod" && a.kind === "network" && a.carriesPods) ||
      (a.kind === "pod" && b.kind === "network" && b.carriesPods);
    if (podsOnPodNetwork && (aIn || bIn)) continue;
    const relation =
      aIn && bIn ? "is the same range as" : bIn ? "lies inside" : aIn ? "contains" : "overlaps";
    const hint = podsOnPodNetwork
      ? "a pod subnet may equal, contain or lie inside a network that carries pods, but not partly overlap it"
      : b.kind === "pod" && a.kind === "network"
        ? `add "pods" to the carries list of that network if pods really live on it, or move the pod subnet`
        : "give every network, pod subnet and service subnet its own address range";
    out.push(error("net.overlap", b.path, `${b.what} ${relation} ${a.what}`, hint));
  }

  spec.nameservers.forEach((s, i) => {
    if (!parseIp(s))
      out.push(
        error(
          "net.nameserver-syntax",
          ["nameservers", i],
          `nameserver ${describeAddressError(s)}`,
          "list nameservers as plain addresses, e.g. 1.1.1.1",
        ),
      );
  });
  return out;
}
