// Nodes and their interfaces: unique names, addresses and MACs; every address well-formed and a usable host
// address of its network; each link identified exactly one way; a management path to every node.
import { broadcastOf, parseIp, type Ip } from "../../net/ip.js";
import { error, warning, type FieldPath, type Finding } from "../../findings.js";
import type { ClusterSpec } from "../schema.js";
import { closest } from "../../suggest.js";
import {
  describeAddressError,
  factsOf,
  familyName,
  lastOf,
  rangeText,
  type NetworkFacts,
  type Facts,
} from "./facts.js";
import { mtuFinding, vlanFinding } from "./networks.js";

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/**
 * Is `ip` a usable host address of `net`? Reports family mismatch, outside, network address, broadcast, gateway.
 * `prefix` names the code family ("node" or "vip") so each subject keeps its own stable codes.
 */
export function hostAddressFindings(
  prefix: string,
  ip: Ip,
  text: string,
  net: NetworkFacts,
  path: FieldPath,
  subject: string,
): Finding[] {
  const c = net.cidr;
  if (!c) return [];
  if (ip.family !== c.family)
    return [
      error(
        `${prefix}.family-mismatch`,
        path,
        `${subject} ${text} is ${familyName(ip.family)} but network "${net.name}" (${c.text}) is ${familyName(c.family)}`,
        `use an ${familyName(c.family)} address inside ${c.text}`,
      ),
    ];
  if (ip.value < c.base || ip.value > lastOf(c))
    return [
      error(
        `${prefix}.address-outside-network`,
        path,
        `${subject} ${text} is outside network "${net.name}" (${c.text})`,
        `use an address inside ${c.text}, or attach to the network that contains ${text}`,
      ),
    ];
  if (ip.value === c.base && !(c.family === 4 && c.prefix >= 31))
    return [
      error(
        `${prefix}.address-network`,
        path,
        `${subject} ${text} is the network address of "${net.name}" (${c.text})`,
        "use a host address (the network address is not assignable)",
      ),
    ];
  if (ip.value === broadcastOf(c))
    return [
      error(
        `${prefix}.address-broadcast`,
        path,
        `${subject} ${text} is the broadcast address of "${net.name}" (${c.text})`,
        "use a host address below the broadcast address",
      ),
    ];
  if (net.gateway && ip.family === net.gateway.family && ip.value === net.gateway.value)
    return [
      error(
        `${prefix}.address-gateway`,
        path,
        `${subject} ${text} is the gateway of "${net.name}"`,
        "the gateway is the router's address; pick another one, or `auto`",
      ),
    ];
  return [];
}

/** The first pool entry containing `ip`, for collision messages. */
export function poolContaining(facts: Facts, ip: Ip): { pool: string; text: string } | undefined {
  for (const e of facts.poolEntries)
    if (e.range && e.range.family === ip.family && ip.value >= e.range.start && ip.value <= e.range.end)
      return { pool: e.pool, text: rangeText(e.range) };
  return undefined;
}

export function checkNodes(spec: ClusterSpec): Finding[] {
  const out: Finding[] = [];
  const facts = factsOf(spec);
  const names = new Map<string, number>();
  const addresses = new Map<string, { node: string; path: FieldPath }>();
  const macs = new Map<string, string>();
  const networkNames = [...facts.networks.keys()];

  spec.nodes.forEach((n, ni) => {
    const npath: FieldPath = ["nodes", ni];
    const prev = names.get(n.name);
    if (prev !== undefined)
      out.push(
        error(
          "node.duplicate-name",
          [...npath, "name"],
          `node name "${n.name}" is already used by nodes[${prev}]`,
          "give every node a unique name; it becomes the hostname",
        ),
      );
    else names.set(n.name, ni);

    let hasManagement = false;
    let unknownNetwork = false;
    n.interfaces.forEach((i, ii) => {
      const ipath: FieldPath = [...npath, "interfaces", ii];
      const net = facts.networks.get(i.network);
      if (!net) {
        unknownNetwork = true;
        const guess = closest(i.network, networkNames);
        out.push(
          error(
            "node.unknown-network",
            [...ipath, "network"],
            `interface names network "${i.network}", which is not defined under networks`,
            guess
              ? `did you mean "${guess}"?`
              : networkNames.length
                ? `defined networks: ${networkNames.join(", ")}`
                : "define it under networks",
          ),
        );
      } else if (net.spec.carries.includes("management")) hasManagement = true;

      // How Talos finds the link: one of name, mac, deviceSelector; required when the node has several links.
      const ways = [
        i.name !== undefined && "name",
        i.mac !== undefined && "mac",
        i.deviceSelector !== undefined && "deviceSelector",
      ].filter(Boolean) as string[];
      if (ways.length > 1)
        out.push(
          error(
            "node.link-ambiguous",
            ipath,
            `interface sets ${ways.join(" and ")}; a link is identified by exactly one of name, mac or deviceSelector`,
            `keep only one of ${ways.join(", ")}`,
          ),
        );
      else if (ways.length === 0 && n.interfaces.length > 1)
        out.push(
          error(
            "node.link-missing",
            ipath,
            `node "${n.name}" has ${n.interfaces.length} interfaces and this one does not say which link it is`,
            "set name (e.g. eth0), mac, or deviceSelector on every interface of a multi-homed node",
          ),
        );

      const mac = i.mac ?? i.deviceSelector?.hardwareAddr;
      const macPath: FieldPath =
        i.mac !== undefined ? [...ipath, "mac"] : [...ipath, "deviceSelector", "hardwareAddr"];
      if (mac !== undefined) {
        if (!MAC.test(mac))
          out.push(
            error(
              "node.mac-syntax",
              macPath,
              `"${mac}" is not a MAC address`,
              "write six hex pairs separated by colons, e.g. bc:24:11:a9:a3:43",
            ),
          );
        else {
          const key = mac.toLowerCase();
          const owner = macs.get(key);
          if (owner !== undefined)
            out.push(
              error(
                "node.duplicate-mac",
                macPath,
                `MAC ${mac} is already used by ${owner}`,
                "every link has its own MAC; check for a copy-paste mistake",
              ),
            );
          else macs.set(key, `node "${n.name}" interfaces[${ii}]`);
        }
      }
      out.push(...vlanFinding(i.vlan, [...ipath, "vlan"], true));
      out.push(...mtuFinding(i.mtu, [...ipath, "mtu"]));

      if (i.address === "auto" || i.address === "dhcp") return;
      const apath: FieldPath = [...ipath, "address"];
      const ip = parseIp(i.address);
      if (!ip) {
        out.push(
          error(
            "node.address-syntax",
            apath,
            describeAddressError(i.address),
            "write a plain address, `auto` to let cairn pick one, or `dhcp`",
          ),
        );
        return;
      }
      const key = `${ip.family}:${ip.value}`;
      const seen = addresses.get(key);
      if (seen)
        out.push(
          error(
            "node.duplicate-address",
            apath,
            `address ${i.address} is already used by ${seen.node}`,
            "every interface needs its own address; use `auto` to let cairn pick free ones",
          ),
        );
      else addresses.set(key, { node: `node "${n.name}" interfaces[${ii}]`, path: apath });
      if (net) {
        const f = hostAddressFindings("node", ip, i.address, net, apath, "address");
        out.push(...f);
        if (f.length) return;
      }
      const pool = poolContaining(facts, ip);
      if (pool)
        out.push(
          error(
            "node.address-in-pool",
            apath,
            `address ${i.address} lies in load-balancer pool "${pool.pool}" (${pool.text})`,
            "keep node addresses out of load-balancer pools, or shrink the pool",
          ),
        );
    });

    // An unknown network is already reported; it may well be the management one, misspelt.
    if (
      !hasManagement &&
      !unknownNetwork &&
      !(spec.provider.type === "hetzner" && n.interfaces.length === 0)
    ) {
      // Hetzner servers without declared interfaces are reached on their public address (DHCP from Hetzner).
      const mgmtNets = [...facts.networks.values()]
        .filter((x) => x.spec.carries.includes("management"))
        .map((x) => x.name);
      const hint = mgmtNets.length
        ? `add an interface on ${mgmtNets.map((m) => `"${m}"`).join(" or ")}`
        : "add `management` to the carries list of the network cairn reaches the nodes on";
      if (spec.provider.type === "static" && n.static?.address)
        out.push(
          warning(
            "node.no-management",
            [...npath, "interfaces"],
            `node "${n.name}" has no interface on a network that carries management; cairn reaches it at ${n.static.address} only while in maintenance mode`,
            hint,
          ),
        );
      else
        out.push(
          error(
            "node.no-management",
            n.interfaces.length ? [...npath, "interfaces"] : npath,
            `node "${n.name}" has no interface on a network that carries management, so cairn cannot reach its Talos API`,
            hint,
          ),
        );
    }
  });
  return out;
}
