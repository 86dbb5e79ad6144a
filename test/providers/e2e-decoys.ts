// Resources that look like a cluster's but are not cairn's (or are another cluster's): a VM named like a node
// without the tag, one tagged for a cluster with a longer name, volumes whose names almost match, Hetzner resources
// with the cluster's name in theirs or another cluster's label. The end-to-end scenario plants them through the
// APIs before cairn runs and checks after destroy that every one is still there, unchanged.
import { HetznerClient } from "../../src/providers/hetzner/client.js";
import { ProxmoxClient } from "../../src/providers/proxmox/client.js";
import type { FakeHandle } from "../fakes/start.js";

export interface Decoy {
  kind: string;
  /** How the scenario finds it again in the fake's state: VM id, volume id, or Hetzner id. */
  key: string | number;
  name: string;
}

interface ModelView {
  name: string;
  provider?: { isoStorage?: string; importStorage?: string };
  nodes: { name: string; role: string; spec: Record<string, { host?: string; vmid?: number }> }[];
}

export async function plant(
  fake: FakeHandle,
  kind: "proxmox" | "hetzner",
  model: ModelView,
): Promise<Decoy[]> {
  const c = model.name;
  const first = model.nodes[0]!;
  const out: Decoy[] = [];
  if (kind === "proxmox") {
    const pve = new ProxmoxClient({
      endpoint: fake.info.url,
      token: { id: fake.info.tokenId!, secret: fake.info.tokenSecret! },
      trust: { fingerprint: fake.info.fingerprint! },
    });
    const host = first.spec.proxmox!.host!;
    const iso = model.provider?.isoStorage ?? "local";
    const disks = (await pve.storages(host)).find((s) => s.content.includes("images"))!.storage;
    const vm = async (vmid: number, tags: string): Promise<void> => {
      await pve.run(
        pve.createVm(host, {
          vmid,
          name: first.name,
          memory: "512",
          tags,
          scsi0: `${disks}:1`,
          net0: "virtio,bridge=vmbr0",
        }),
      );
      out.push({ kind: "vm", key: vmid, name: `${first.name} (${tags})` });
    };
    await vm(9001, "talos");
    await vm(9002, `cairn-${c}2`);
    for (const filename of [
      `cairn-${c}2-${first.name}-cidata-0123456789ab.iso`,
      `cairn-${c}-${first.name}-cidata.iso`,
      `talos-nocloud-amd64.iso`,
    ]) {
      await pve.run(pve.upload(host, iso, { content: "iso", filename, data: Buffer.from("not cairn's") }));
      out.push({ kind: "volume", key: `${iso}:iso/${filename}`, name: filename });
    }
    pve.close();
  } else {
    const hc = new HetznerClient({
      token: fake.info.token!,
      endpoint: fake.info.endpoint,
      pollIntervalMs: 50,
    });
    const s1 = await hc.createServer({
      name: `${c}-api`,
      server_type: "cx23",
      image: "debian-12",
      location: "nbg1",
    });
    await hc.waitActions([s1.action, ...s1.next_actions]);
    out.push({ kind: "server", key: s1.server.id, name: s1.server.name });
    const s2 = await hc.createServer({
      name: "worker-9",
      server_type: "cx23",
      image: "debian-12",
      location: "nbg1",
      start_after_create: false,
      labels: { "cairn.dev/cluster": `${c}x`, "cairn.dev/node": "worker-9" },
    });
    await hc.waitAction(s2.action);
    out.push({ kind: "server", key: s2.server.id, name: s2.server.name });
    const net = await hc.createNetwork({
      name: `${c}-2`,
      ip_range: "10.0.0.0/21",
      subnets: [{ type: "cloud", network_zone: "eu-central", ip_range: "10.0.1.0/24" }],
      labels: { "cairn.dev/cluster": `${c}-2` },
    });
    out.push({ kind: "network", key: net.id, name: net.name });
    const fw = await hc.createFirewall({ name: `${c}-old`, rules: [] });
    out.push({ kind: "firewall", key: fw.firewall.id, name: fw.firewall.name });
    const pg = await hc.createPlacementGroup({ name: `${c}-controlplane-old`, type: "spread" });
    out.push({ kind: "placement_group", key: pg.id, name: pg.name });
    const lb = await hc.createLoadBalancer({
      name: `${c}-api2`,
      load_balancer_type: "lb11",
      location: "nbg1",
      labels: { "cairn.dev/cluster": `${c}2` },
    });
    await hc.waitAction(lb.action);
    out.push({ kind: "load_balancer", key: lb.load_balancer.id, name: lb.load_balancer.name });
  }
  return out;
}

/** Changes one of cairn's machines behind its back: a VM's cores, or the firewall's rules. */
export async function drift(
  fake: FakeHandle,
  kind: "proxmox" | "hetzner",
  model: ModelView,
): Promise<string> {
  const first = model.nodes[0]!;
  if (kind === "proxmox") {
    const pve = new ProxmoxClient({
      endpoint: fake.info.url,
      token: { id: fake.info.tokenId!, secret: fake.info.tokenSecret! },
      trust: { fingerprint: fake.info.fingerprint! },
    });
    const { host, vmid } = first.spec.proxmox!;
    await pve.waitTask(await pve.updateVmConfig(host!, vmid!, { cores: 2 }));
    pve.close();
    return `VM ${vmid} cores → 2`;
  }
  const hc = new HetznerClient({ token: fake.info.token!, endpoint: fake.info.endpoint, pollIntervalMs: 50 });
  const fw = (await hc.firewalls({ name: model.name }))[0]!;
  await hc.waitActions(
    (
      await hc.firewallAction(fw.id, "set_rules", {
        rules: [{ direction: "in", protocol: "tcp", port: "22", source_ips: ["0.0.0.0/0"] }],
      })
    ).actions,
  );
  return `firewall ${fw.name}: ssh from anywhere`;
}
