// The control-plane endpoint and VIP: the endpoint is an explicit https://host:port URL; the VIP is a usable host
// address of a network the control planes attach to, and collides with no node address and no pool.
import { parseIp } from "../../net/ip.js";
import { error, type FieldPath, type Finding } from "../../findings.js";
import type { ClusterSpec } from "../schema.js";
import { closest } from "../../suggest.js";
import { describeAddressError, factsOf, networkContaining } from "./facts.js";
import { hostAddressFindings, poolContaining } from "./nodes.js";

const HINT = "write it as https://host:port, e.g. https://10.0.0.10:6443 or https://k8s.example.com:6443";

export function checkEndpoint(spec: ClusterSpec): Finding[] {
  const out: Finding[] = [];
  const facts = factsOf(spec);

  const endpoint = spec.controlPlane.endpoint;
  if (endpoint !== undefined) {
    const path: FieldPath = ["controlPlane", "endpoint"];
    let u: URL | undefined;
    try {
      u = new URL(endpoint);
    } catch {
      u = undefined;
    }
    // URL drops a default port (:443), so the explicit port is checked on the text itself.
    const explicitPort = /^[a-z][a-z0-9+.-]*:\/\/(\[[^\]]+\]|[^/:?#@]+):(\d+)\/?$/i.exec(endpoint.trim());
    if (!u || !u.hostname)
      out.push(error("endpoint.format", path, `endpoint "${endpoint}" is not a URL`, HINT));
    else if (u.protocol !== "https:")
      out.push(
        error(
          "endpoint.format",
          path,
          `endpoint "${endpoint}" uses ${u.protocol.replace(/:$/, "")}; the Kubernetes API is served over https`,
          HINT,
        ),
      );
    else if (u.username || u.password || (u.pathname !== "/" && u.pathname !== "") || u.search || u.hash)
      out.push(
        error(
          "endpoint.format",
          path,
          `endpoint "${endpoint}" has a path, query or credentials; it must be just https://host:port`,
          HINT,
        ),
      );
    else if (!explicitPort)
      out.push(
        error(
          "endpoint.format",
          path,
          `endpoint "${endpoint}" has no explicit port`,
          "add the port, usually :6443 (https://host:6443)",
        ),
      );
    else if (Number(explicitPort[2]) < 1 || Number(explicitPort[2]) > 65535)
      out.push(
        error(
          "endpoint.format",
          path,
          `endpoint "${endpoint}" has port ${explicitPort[2]}, outside 1–65535`,
          HINT,
        ),
      );
  }

  const vip = spec.controlPlane.vip;
  if (!vip) return out;
  const apath: FieldPath = ["controlPlane", "vip", "address"];
  if (spec.provider.type === "hetzner") {
    // Both VIP kinds move the address by gratuitous ARP; Hetzner Cloud's networks route, they have no Layer 2.
    out.push(
      error(
        "vip.no-layer2",
        ["controlPlane", "vip"],
        `a Layer 2 VIP (${vip.type}) cannot work on Hetzner Cloud: its networks have no Layer 2 to announce ${vip.address} on`,
        "remove controlPlane.vip and put a Hetzner load balancer in front of the control planes (provider.loadBalancer)",
      ),
    );
    return out;
  }
  const ip = parseIp(vip.address);
  if (!ip) {
    out.push(
      error(
        "vip.address-syntax",
        apath,
        `VIP ${describeAddressError(vip.address)}`,
        "write the VIP as a plain address, e.g. 10.0.0.10",
      ),
    );
    return out;
  }
  let net = undefined;
  if (vip.network !== undefined) {
    net = facts.networks.get(vip.network);
    if (!net) {
      const guess = closest(vip.network, facts.networks.keys());
      out.push(
        error(
          "vip.unknown-network",
          ["controlPlane", "vip", "network"],
          `VIP network "${vip.network}" is not defined under networks`,
          guess
            ? `did you mean "${guess}"?`
            : "name one of the networks, or leave network out to use the one containing the VIP",
        ),
      );
      return out;
    }
  } else {
    net = networkContaining(facts, ip);
    if (!net && !facts.networksParsed) return out;
    if (!net) {
      out.push(
        error(
          "vip.address-outside-network",
          apath,
          `VIP ${vip.address} is inside none of the networks`,
          "a Layer 2 VIP must be a free address of the control planes' management network",
        ),
      );
      return out;
    }
  }
  const hostFindings = hostAddressFindings("vip", ip, vip.address, net, apath, "VIP");
  out.push(...hostFindings);
  if (hostFindings.length) return out;

  for (const [ni, n] of spec.nodes.entries()) {
    const hit = n.interfaces.findIndex((i) => {
      // auto/dhcp cannot collide here (the planner skips the VIP); skip them before the comparatively slow parse.
      if (i.address === "auto" || i.address === "dhcp") return false;
      const a = parseIp(i.address);
      return a !== undefined && a.family === ip.family && a.value === ip.value;
    });
    if (hit >= 0) {
      out.push(
        error(
          "vip.collides-node",
          apath,
          `VIP ${vip.address} is also the address of node "${n.name}" (nodes[${ni}].interfaces[${hit}])`,
          "the VIP floats between control planes; give it an address no node owns",
        ),
      );
      break;
    }
  }
  const pool = poolContaining(facts, ip);
  if (pool)
    out.push(
      error(
        "vip.in-pool",
        apath,
        `VIP ${vip.address} lies in load-balancer pool "${pool.pool}" (${pool.text})`,
        "move the VIP out of the pool, or shrink the pool, so a Service never takes the API address",
      ),
    );

  // A control plane off the VIP's network can never hold it: when it is the etcd leader's turn, the API
  // address goes dark. Each such node is an error at its own interfaces.
  spec.nodes.forEach((n, ni) => {
    if (n.role !== "controlplane" || n.interfaces.some((i) => i.network === net.name)) return;
    out.push(
      error(
        "vip.controlplane-off-network",
        n.interfaces.length ? ["nodes", ni, "interfaces"] : ["nodes", ni],
        n.interfaces.length
          ? `control plane "${n.name}" has no interface on network "${net.name}", so it can never hold VIP ${vip.address}`
          : `control plane "${n.name}" has no interfaces, so it can never hold VIP ${vip.address} on network "${net.name}"`,
        `add an interface on "${net.name}" to "${n.name}", or pick a VIP on the control planes' network`,
      ),
    );
  });
  return out;
}
