// Run by twin-boot.test.ts inside a network namespace of its own (`unshare --net`), where the fakes may add the
// spec's addresses (10.8.16.20, 10.0.1.11) to lo: starting a VM or server boots a twin node at its planned address,
// in maintenance mode (Proxmox: address from the cidata network-config) or configured from user_data (Hetzner,
// with --apply-user-data), as Talos would; stopping or deleting it takes the node away. Prints one JSON report.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import type * as TalosClientModule from "../../src/talos/api/client.js";
import { HetznerClient } from "../../src/providers/hetzner/client.js";
import { hetznerImageRecipe, runImageRecipe } from "../../src/providers/hetzner/image-recipe.js";
import { encodeUserData } from "../../src/providers/hetzner/userdata.js";
import { ProxmoxClient } from "../../src/providers/proxmox/client.js";
import { buildCidata, cidataFilename, deterministicMac } from "../../src/providers/proxmox/nocloud.js";
import { startFake, type FakeHandle } from "../fakes/start.js";

execFileSync("ip", ["link", "set", "lo", "up"]);
const SHARED = fileURLToPath(new URL("../../../shared/", import.meta.url));
const golden = (kind: string): string =>
  readFileSync(`${SHARED}reference/talos/golden/v1.11/base-${kind}.yaml`, "utf8");
const { TalosClient } = (await import(
  new URL("../../dist/talos/api/client.js", import.meta.url).href
)) as typeof TalosClientModule;
const SCHEMATIC = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba";
const report: Record<string, unknown> = {};
const fakes: FakeHandle[] = [];
const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const listening = (host: string): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect({ host, port: 50000 });
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });

interface TwinNodeStatus {
  name: string;
  address: string;
  stage: string;
  mode: string | undefined;
  version: string;
}
const twinNodes = async (f: FakeHandle): Promise<TwinNodeStatus[]> =>
  ((await f.admin<{ twin: { nodes: TwinNodeStatus[] } }>("GET", "/_fake/twin")).twin?.nodes ?? []).map(
    (n) => ({
      name: n.name,
      address: n.address,
      stage: n.stage,
      mode: n.mode,
      version: n.version,
    }),
  );

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}: ${JSON.stringify(await Promise.all(fakes.map((x) => x.admin("GET", "/_fake/twin"))))}\n${fakes.map((x) => x.stderr()).join("\n")}`,
      );
    await delay(100);
  }
}

async function proxmox(): Promise<void> {
  const fake = await startFake("proxmox", [
    "--task-ms",
    "50",
    "--twin",
    "--assign-addresses",
    "--reboot-ms",
    "200",
    "--nodes",
    "pve-ms01-01",
  ]);
  fakes.push(fake);
  const pve = new ProxmoxClient({
    endpoint: fake.info.url,
    token: { id: fake.info.tokenId!, secret: fake.info.tokenSecret! },
    trust: { fingerprint: fake.info.fingerprint! },
  });
  const node = "pve-ms01-01";
  const file = "talos-v1.11.5-37656798-nocloud-amd64.qcow2";
  await pve.run(
    pve.downloadUrl(node, "local", {
      url: `https://factory.talos.dev/image/${SCHEMATIC}/v1.11.5/nocloud-amd64.qcow2`,
      filename: file,
      content: "import",
    }),
  );
  const mac = deterministicMac("homelab-k8s/talos-k8s-01/eth0");
  const seed = buildCidata({
    userData: golden("controlplane"),
    hostname: "talos-k8s-01",
    instanceId: "homelab-k8s-talos-k8s-01",
    interfaces: [{ mac, addresses: ["10.8.16.20/24"], gateway4: "10.8.16.1" }],
  });
  const iso = cidataFilename("homelab-k8s", "talos-k8s-01", seed.sha256);
  await pve.run(
    pve.upload(node, "local", { content: "iso", filename: iso, data: seed.iso, sha256: seed.sha256 }),
  );
  await pve.run(
    pve.createVm(node, {
      vmid: 101,
      name: "talos-k8s-01",
      machine: "q35",
      bios: "ovmf",
      efidisk0: "local-lvm:1,efitype=4m,pre-enrolled-keys=0",
      cpu: "host",
      cores: 4,
      memory: "8192",
      scsihw: "virtio-scsi-pci",
      scsi0: `local-lvm:0,import-from=local:import/${file}`,
      ide2: `local:iso/${iso},media=cdrom`,
      net0: `virtio=${mac},bridge=vmbr0,tag=16`,
      tags: "cairn-homelab-k8s",
    }),
  );
  const before = await listening("10.8.16.20");
  await pve.run(pve.startVm(node, 101));
  const booted = await twinNodes(fake);
  const up = await listening("10.8.16.20");
  // The project's Talos client on the insecure maintenance channel: Version is refused the way Talos refuses it.
  const talos = TalosClient.insecure({
    endpoints: ["10.8.16.20"],
    connectTimeoutMs: 3000,
    timeoutMs: 5000,
    retry: { attempts: 1, initialDelayMs: 50, maxDelayMs: 50 },
  });
  const version = await talos.version().then(
    () => "answered",
    (e: unknown) => (e instanceof Error ? e.message : String(e)),
  );
  const applied = await talos.applyConfiguration(golden("controlplane")).then(
    () => "ok",
    (e: unknown) => String(e),
  );
  talos.close();
  const configured = await until("the VM's node to run its config", async () => {
    const n = (await twinNodes(fake)).find((x) => x.address === "10.8.16.20");
    return n && n.stage === "running" && n.mode === "normal" ? n : undefined;
  });
  await pve.run(pve.stopVm(node, 101));
  const down = await listening("10.8.16.20");
  const afterStop = await twinNodes(fake);
  await pve.run(pve.deleteVm(node, 101));
  pve.close();
  report.proxmox = {
    before,
    booted,
    up,
    version,
    applied,
    configured,
    down,
    afterStop,
    boots: (await fake.admin<{ boots: unknown[] }>("GET", "/_fake/twin")).boots,
    rejected: (await fake.rejected()).length,
  };
}

async function hetzner(): Promise<void> {
  const fake = await startFake("hetzner", [
    "--action-ms",
    "40",
    "--twin",
    "--assign-addresses",
    "--apply-user-data",
    "--twin-address",
    "private",
    "--reboot-ms",
    "200",
  ]);
  fakes.push(fake);
  const hc = new HetznerClient({ token: fake.info.token!, endpoint: fake.info.endpoint, pollIntervalMs: 30 });
  const recipe = hetznerImageRecipe({
    schematic: SCHEMATIC,
    talosVersion: "v1.11.5",
    arch: "x86",
    location: "fsn1",
    sshPublicKey:
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBnhWGxh3Hm3kkxdAaqx7w1xKi7TxO4pFvh1q7ErbCSk cairn-image",
  });
  const { image } = await runImageRecipe(hc, recipe, {
    sleep: (ms) => delay(ms / 20),
    runRescueShell: async (host, script) => {
      const state = await fake.state<{
        servers: { id: number; public_net: { ipv4: { ip: string } | null } }[];
      }>();
      const id = state.servers.find((s) => s.public_net.ipv4?.ip === host)!.id;
      await fake.admin("POST", `/_fake/servers/${id}/rescue-exec`, { script });
    },
  });
  const net = await hc.createNetwork({
    name: "cairn-demo",
    ip_range: "10.0.0.0/16",
    subnets: [{ type: "cloud", network_zone: "eu-central", ip_range: "10.0.1.0/24" }],
  });
  const userData = encodeUserData(golden("controlplane"));
  const created = await hc.createServer({
    name: "demo-cp-1",
    server_type: "cx23",
    image: image.id,
    location: "fsn1",
    start_after_create: false,
    user_data: userData.value,
    labels: { "cairn.dev/cluster": "demo" },
  });
  await hc.waitAction(created.action);
  await hc.waitAction(
    (await hc.serverAction(created.server.id, "attach_to_network", { network: net.id, ip: "10.0.1.11" }))
      .action,
  );
  const offBeforePowerOn = await listening("10.0.1.11");
  await hc.waitAction((await hc.serverAction(created.server.id, "poweron")).action);
  const configured = await until("the server's node to run its user_data", async () => {
    const n = (await twinNodes(fake)).find((x) => x.address === "10.0.1.11");
    return n && n.stage === "running" && n.mode === "normal" ? n : undefined;
  });
  await hc.waitAction(await hc.deleteServer(created.server.id));
  const afterDelete = await twinNodes(fake);
  const down = await listening("10.0.1.11");
  report.hetzner = {
    userDataBytes: userData.bytes,
    offBeforePowerOn,
    configured,
    afterDelete,
    down,
    boots: (await fake.admin<{ boots: unknown[] }>("GET", "/_fake/twin")).boots,
    rejected: (await fake.rejected()).length,
  };
}

try {
  await proxmox();
  await hetzner();
  process.stdout.write(`${JSON.stringify(report)}\n`);
} catch (e) {
  process.stdout.write(
    `${JSON.stringify({ error: e instanceof Error ? `${e.message}\n${e.stack}` : String(e), report })}\n`,
  );
  process.exitCode = 1;
} finally {
  for (const f of fakes) await f.stop();
}
