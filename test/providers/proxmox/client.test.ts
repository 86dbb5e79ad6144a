// The Proxmox client against the simulated PVE API (test/fakes/proxmox, validated by the PVE 8.4 apidoc): TLS is
// verified by pinned fingerprint or CA and a mismatch sends nothing; the calls cairn makes to bring up a Talos VM
// (cidata upload, Image Factory download, create with import-from, resize, start, HA, destroy) pass the schema;
// PVE's string numbers are read as numbers; task failures, 4xx/5xx, resets and timeouts become typed errors.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { ProxmoxClient, type Clock } from "../../../src/providers/proxmox/client.js";
import {
  ProxmoxApiError,
  ProxmoxAuthError,
  ProxmoxNetworkError,
  ProxmoxTaskError,
  ProxmoxTlsError,
  ProxmoxWaitTimeout,
} from "../../../src/providers/proxmox/errors.js";
import { buildCidata, cidataFilename, deterministicMac } from "../../../src/providers/proxmox/nocloud.js";
import { parseDrive, parseNetDevice } from "../../../src/providers/proxmox/propstring.js";
import { probeCertificate } from "../../../src/providers/proxmox/tls.js";
import { startFake, type FakeHandle } from "../../fakes/start.js";

let fake: FakeHandle;
let pve: ProxmoxClient;
const SCHEMATIC = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba";
const IMAGE_URL = `https://factory.talos.dev/image/${SCHEMATIC}/v1.11.5/nocloud-amd64.qcow2`;

const client = (over: Partial<ConstructorParameters<typeof ProxmoxClient>[0]> = {}): ProxmoxClient =>
  new ProxmoxClient({
    endpoint: fake.info.url,
    token: { id: fake.info.tokenId!, secret: fake.info.tokenSecret! },
    trust: { fingerprint: fake.info.fingerprint! },
    ...over,
  });

beforeAll(async () => {
  fake = await startFake("proxmox", ["--task-ms", "80", "--nodes", "pve-ms01-01,pve-ms01-02"]);
  pve = client();
}, 30_000);

afterAll(async () => {
  pve?.close();
  await fake?.stop();
});

describe("TLS", () => {
  test("first contact shows the fingerprint the node presents", async () => {
    const probe = await probeCertificate(fake.info.url);
    expect(probe.fingerprint256).toBe(fake.info.fingerprint);
    expect(probe.authorized).toBe(false);
    const c = client({ trust: {} });
    const e = await c.version().catch((x: unknown) => x);
    c.close();
    expect(e).toBeInstanceOf(ProxmoxTlsError);
    expect((e as ProxmoxTlsError).kind).toBe("no-trust");
    expect((e as ProxmoxTlsError).presented).toBe(fake.info.fingerprint);
    expect((e as ProxmoxTlsError).hint).toContain(fake.info.fingerprint);
  });

  test("a pinned fingerprint in any spelling is accepted; the cluster CA works too", async () => {
    const lower = fake.info.fingerprint!.replace(/:/g, "").toLowerCase();
    const a = client({ trust: { fingerprint: `sha256:${lower}` } });
    const b = client({ trust: { caPem: readFileSync(fake.info.caFile!, "utf8") } });
    expect((await a.version()).major).toBe(8);
    expect((await b.nodes()).map((n) => n.node)).toEqual(["pve-ms01-01", "pve-ms01-02"]);
    a.close();
    b.close();
  });

  test("a fingerprint mismatch is refused before the token is sent", async () => {
    const before = (await fake.log()).length;
    const wrong = fake.info.fingerprint!.replace(/^../, (x) => (x === "00" ? "11" : "00"));
    const c = client({ trust: { fingerprint: wrong } });
    const e = await c.nodes().catch((x: unknown) => x);
    c.close();
    expect(e).toBeInstanceOf(ProxmoxTlsError);
    expect((e as ProxmoxTlsError).kind).toBe("mismatch");
    expect((e as Error).message).toContain(fake.info.fingerprint);
    expect((await fake.log()).length).toBe(before);
  });

  test("a certificate from another CA is untrusted", async () => {
    const { createSelfSignedCA } = await import("../../../src/talos/pki/index.js");
    const ca = await createSelfSignedCA({
      algorithm: "ecdsa-p256",
      subject: { commonName: "other" },
      now: new Date(),
    });
    const c = client({ trust: { caPem: ca.certPem } });
    const e = await c.nodes().catch((x: unknown) => x);
    c.close();
    expect((e as ProxmoxTlsError).kind).toBe("untrusted");
  });

  test("a wrong token is a typed 401", async () => {
    const c = client({ token: { id: "root@pam!cairn", secret: "wrong" } });
    await expect(c.nodes()).rejects.toBeInstanceOf(ProxmoxAuthError);
    c.close();
  });

  test("http endpoints and malformed token ids are refused up front", () => {
    expect(() => client({ endpoint: "http://127.0.0.1:8006" })).toThrow(/https/);
    expect(() => client({ token: { id: "root-cairn", secret: "x" } })).toThrow(/USER@REALM!TOKENID/);
  });
});

describe("bringing up a Talos VM", () => {
  let since = 0;
  const node = "pve-ms01-01";
  const mac0 = deterministicMac("homelab/talos-k8s-01/eth0");
  const mac1 = deterministicMac("homelab/talos-k8s-01/eth1");

  test("the whole happy path passes the PVE schema", async () => {
    since = (await fake.log()).at(-1)?.seq ?? 0;
    // The next free VMID comes back as a string; the client reads a number.
    expect(await pve.nextId()).toBe(100);
    expect(await pve.nextId(101)).toBe(101);

    const storages = await pve.storages(node, { content: "import" });
    expect(storages.map((s) => s.storage)).toEqual(["local"]);

    // The Talos nocloud image, fetched by the node itself.
    await pve.run(
      pve.downloadUrl(node, "local", {
        url: IMAGE_URL,
        filename: "talos-v1.11.5-37656798-nocloud-amd64.qcow2",
        content: "import",
      }),
    );
    const imports = await pve.storageContent(node, "local", { content: "import" });
    expect(imports.map((v) => v.volid)).toEqual(["local:import/talos-v1.11.5-37656798-nocloud-amd64.qcow2"]);

    // The cidata seed, built by cairn and uploaded with its checksum.
    const seed = buildCidata({
      userData: "version: v1alpha1\nmachine:\n  type: controlplane\n",
      hostname: "talos-k8s-01",
      instanceId: "homelab-talos-k8s-01",
      interfaces: [
        { mac: mac0, addresses: ["10.8.16.20/24"], gateway4: "10.8.16.1" },
        { mac: mac1, addresses: ["10.8.28.1/24"], mtu: 1500 },
      ],
      nameservers: ["10.0.1.1", "1.1.1.1"],
    });
    const isoName = cidataFilename("homelab", "talos-k8s-01", seed.sha256);
    await pve.run(
      pve.upload(node, "local", { content: "iso", filename: isoName, data: seed.iso, sha256: seed.sha256 }),
    );

    const upid = await pve.createVm(node, {
      vmid: 101,
      name: "talos-k8s-01",
      machine: "q35",
      bios: "ovmf",
      ostype: "l26",
      efidisk0: "local-lvm:1,efitype=4m,pre-enrolled-keys=0",
      cpu: "host",
      sockets: 1,
      cores: 4,
      memory: "8192",
      balloon: 0,
      scsihw: "virtio-scsi-pci",
      scsi0:
        "local-lvm:0,import-from=local:import/talos-v1.11.5-37656798-nocloud-amd64.qcow2,discard=on,ssd=1",
      ide2: `local:iso/${isoName},media=cdrom`,
      net0: `virtio=${mac0},bridge=vmbr0,tag=16`,
      net1: `virtio=${mac1},bridge=vmbr0,tag=28`,
      boot: "order=scsi0",
      serial0: "socket",
      tags: "Talos;cairn-homelab,k8s",
      onboot: true,
    });
    const status = await pve.waitTask(upid);
    expect(status?.exitstatus).toBe("OK");
    expect(status?.type).toBe("qmcreate");

    const cfg = await pve.vmConfig(node, 101);
    expect(cfg.digest).toMatch(/^[0-9a-f]{40}$/);
    expect(cfg.values.tags).toBe("cairn-homelab;k8s;talos");
    expect(parseNetDevice(cfg.values.net0!)).toEqual({
      model: "virtio",
      macaddr: mac0,
      bridge: "vmbr0",
      tag: "16",
    });
    const scsi0 = parseDrive(cfg.values.scsi0!);
    expect(scsi0.file).toBe("local-lvm:vm-101-disk-1");
    expect(scsi0.discard).toBe("on");
    expect(cfg.values.cores).toBe("4"); // a JSON number from the API, read as the string every value is

    await pve.run(pve.resizeDisk(node, 101, "scsi0", "32G"));
    expect(parseDrive((await pve.vmConfig(node, 101)).values.scsi0!).size).toBe("32G");

    await pve.run(pve.startVm(node, 101));
    expect((await pve.vmStatus(node, 101)).status).toBe("running");
    const vms = await pve.clusterResources("vm");
    expect(vms.map((v) => [v.vmid, v.node, v.tags])).toEqual([[101, node, "cairn-homelab;k8s;talos"]]);

    await pve.createHaGroup({ group: "cairn-homelab", nodes: "pve-ms01-01:2,pve-ms01-02:1" });
    await pve.createHaResource({ sid: "vm:101", state: "started", group: "cairn-homelab" });
    expect((await pve.vmStatus(node, 101)).haManaged).toBe(true);
    expect((await pve.haResources()).map((r) => r.sid)).toEqual(["vm:101"]);

    await pve.run(pve.stopVm(node, 101));
    await pve.run(pve.deleteVm(node, 101));
    expect(await pve.haResources()).toEqual([]);
    await pve.deleteHaGroup("cairn-homelab");
    await pve.run(pve.deleteVolume(node, "local", `local:iso/${isoName}`));
    expect(await pve.listVms(node)).toEqual([]);
    expect(await fake.rejected(since)).toEqual([]);
  });

  test("a task that fails carries its exit status and log", async () => {
    await pve.run(pve.createVm(node, { vmid: 102, name: "x", memory: "1024", net0: "virtio,bridge=vmbr0" }));
    await pve.run(pve.startVm(node, 102));
    const e = await pve.run(pve.startVm(node, 102)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ProxmoxTaskError);
    expect((e as ProxmoxTaskError).exitstatus).toBe("VM 102 already running");
    expect((e as ProxmoxTaskError).log.at(-1)).toBe("TASK ERROR: VM 102 already running");
    // A running VM cannot be destroyed: PVE's 500 with its reason phrase.
    const d = await pve.deleteVm(node, 102).catch((x: unknown) => x);
    expect(d).toBeInstanceOf(ProxmoxApiError);
    expect((d as ProxmoxApiError).status).toBe(500);
    expect((d as ProxmoxApiError).reason).toBe("VM 102 is running - destroy failed");
    await pve.run(pve.stopVm(node, 102));
    await pve.run(pve.deleteVm(node, 102));
    const gone = await pve.vmConfig(node, 102).catch((x: unknown) => x);
    expect((gone as ProxmoxApiError).notFound).toBe(true);
  });

  test("a taken VMID and a second create are PVE's errors", async () => {
    await pve.run(pve.createVm(node, { vmid: 103, name: "y" }));
    const taken = await pve.nextId(103).catch((x: unknown) => x);
    expect((taken as ProxmoxApiError).status).toBe(400);
    expect((taken as ProxmoxApiError).errors).toEqual({ vmid: "VM 103 already exists" });
    expect((taken as ProxmoxApiError).alreadyExists).toBe(true);
    const again = await pve.createVm(node, { vmid: 103, name: "y" }).catch((x: unknown) => x);
    expect((again as ProxmoxApiError).reason).toBe(
      "unable to create VM 103 - VM 103 already exists on node 'pve-ms01-01'",
    );
    expect((again as ProxmoxApiError).alreadyExists).toBe(true);
    await pve.run(pve.deleteVm(node, 103));
  });
});

describe("schema validation", () => {
  test("an unknown parameter gets PVE's 400 and is logged as rejected", async () => {
    const since = (await fake.log()).at(-1)?.seq ?? 0;
    const e = await pve.createVm("pve-ms01-01", { vmid: 110, nmae: "typo" }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ProxmoxApiError);
    expect((e as ProxmoxApiError).status).toBe(400);
    expect((e as ProxmoxApiError).reason).toBe("Parameter verification failed.");
    expect((e as ProxmoxApiError).errors).toEqual({
      nmae: "property is not defined in schema and the schema does not allow additional properties",
    });
    const rejected = await fake.rejected(since);
    expect(rejected.map((r) => r.path)).toEqual(["/nodes/pve-ms01-01/qemu"]);
  });

  test("types, enums and property strings are checked as PVE checks them", async () => {
    const e = (await pve
      .createVm("pve-ms01-01", {
        vmid: 111,
        cores: "four",
        bios: "uefi",
        net0: "virtio,bridge=vmbr0,vlan=16",
        onboot: "true",
      })
      .catch((x: unknown) => x as ProxmoxApiError)) as ProxmoxApiError;
    expect(e.errors).toEqual({
      cores: "type check ('integer') failed - got 'four'",
      bios: "value 'uefi' does not have a value in the enumeration 'seabios, ovmf'",
      net0: "invalid format - invalid key in comma-separated list property: vlan",
      onboot: "type check ('boolean') failed - got 'true'",
    });
  });

  test("import-from needs the STORAGE:0 syntax and an import volume", async () => {
    const e = (await pve
      .createVm("pve-ms01-01", { vmid: 112, scsi0: "local-lvm:32,import-from=local:import/none.qcow2" })
      .catch((x: unknown) => x as ProxmoxApiError)) as ProxmoxApiError;
    expect(e.errors.scsi0).toMatch(/'import-from' requires special syntax/);
  });
});

describe("faults and retries", () => {
  test("an injected 500 is a typed error with PVE's message", async () => {
    await fake.faults([
      { method: "GET", path: "^/version$", status: 500, message: "pveproxy: worker exited" },
    ]);
    const e = await pve.version().catch((x: unknown) => x);
    expect((e as ProxmoxApiError).status).toBe(500);
    expect((e as ProxmoxApiError).reason).toBe("pveproxy: worker exited");
    expect((await pve.version()).version).toBe("8.4.1");
  });

  test("a reset connection is retried for GETs", async () => {
    await fake.faults([{ method: "GET", path: "^/nodes$", kind: "reset" }]);
    const slept: number[] = [];
    const c = client({ clock: { now: () => Date.now(), sleep: async (ms) => void slept.push(ms) } });
    expect((await c.nodes()).length).toBe(2);
    expect(slept).toEqual([500]);
    c.close();
  });

  test("no answer in time is a timeout, not a hang", async () => {
    await fake.faults([{ method: "GET", path: "^/cluster/resources$", kind: "timeout" }]);
    const c = client({ timeoutMs: 300, retries: 0 });
    const e = await c.clusterResources().catch((x: unknown) => x);
    c.close();
    expect(e).toBeInstanceOf(ProxmoxNetworkError);
    expect((e as ProxmoxNetworkError).timedOut).toBe(true);
    await fake.clearFaults();
  });

  test("waiting for a task honours the injected clock and deadline", async () => {
    await fake.admin("POST", "/_fake/config", { taskMs: 60_000 });
    let now = 0;
    const clock: Clock = { now: () => now, sleep: async (ms) => void (now += ms) };
    const c = client({ clock });
    const upid = await c.createVm("pve-ms01-02", { vmid: 120, name: "slow" });
    const e = await c.waitTask(upid, { timeoutMs: 5000 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ProxmoxWaitTimeout);
    expect(now).toBeGreaterThanOrEqual(5000);
    c.close();
    await fake.admin("POST", "/_fake/config", { taskMs: 80 });
  });
});

describe("PVE 9.1", () => {
  let nine: FakeHandle;
  let c: ProxmoxClient;
  beforeAll(async () => {
    nine = await startFake("proxmox", ["--pve", "9.1", "--task-ms", "50", "--nodes", "pve1,pve2"]);
    c = new ProxmoxClient({
      endpoint: nine.info.url,
      token: { id: nine.info.tokenId!, secret: nine.info.tokenSecret! },
      trust: { fingerprint: nine.info.fingerprint! },
    });
  }, 30_000);
  afterAll(async () => {
    c?.close();
    await nine?.stop();
  });

  test("HA node affinity is a rule on 9.x; groups are gone", async () => {
    expect((await c.version()).major).toBe(9);
    await c.run(c.createVm("pve1", { vmid: 101, name: "cp-1" }));
    await c.createHaResource({ sid: "vm:101", state: "started" });
    await c.createHaRule({
      rule: "cairn-demo-cp-1",
      type: "node-affinity",
      resources: "vm:101",
      nodes: "pve1:2,pve2:1",
      strict: false,
    });
    expect(await c.haRules()).toEqual([
      { rule: "cairn-demo-cp-1", type: "node-affinity", resources: "vm:101", nodes: "pve1:2,pve2:1" },
    ]);
    const g = await c.createHaGroup({ group: "old", nodes: "pve1" }).catch((x: unknown) => x);
    expect((g as ProxmoxApiError).status).toBe(500);
    await c.deleteHaRule("cairn-demo-cp-1");
    await c.run(c.deleteVm("pve1", 101));
    expect(await c.haResources()).toEqual([]);
    expect(await nine.rejected()).toEqual([]);
  });
});
