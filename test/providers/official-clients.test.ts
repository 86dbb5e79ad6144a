// The fakes proved with the official clients from Debian (installed by scripts/setup.sh): hcloud-cli honours
// HCLOUD_ENDPOINT, python3-hcloud takes api_endpoint=, proxmoxer talks https to the Proxmox fake with its CA. Each
// client runs a small but real workflow; the fakes' logs must show no schema rejection and no answer that breaks
// the documented response shape. A missing client fails the test (setup.sh installs them), it never skips.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startFake, type FakeHandle, type LogEntry } from "../fakes/start.js";

const PYTHON = "/usr/bin/python3"; // Debian's interpreter: python3-hcloud and python3-proxmoxer live in its dist-packages
const HCLOUD = "/usr/bin/hcloud";
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cairn-official-"));
  for (const [what, path] of [
    ["hcloud-cli", HCLOUD],
    ["python3", PYTHON],
  ] as const)
    if (!existsSync(path)) throw new Error(`${what} (${path}) is missing: run scripts/setup.sh`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bad = (log: LogEntry[]): LogEntry[] =>
  log.filter((e) => e.rejected || (e as { responseErrors?: unknown }).responseErrors || e.status >= 500);

function python(script: string, env: NodeJS.ProcessEnv): string {
  const file = join(dir, `s${Math.random().toString(36).slice(2)}.py`);
  writeFileSync(file, script);
  const r = spawnSync(PYTHON, [file], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`python failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe("Hetzner Cloud fake", () => {
  let fake: FakeHandle;
  beforeAll(async () => {
    fake = await startFake("hetzner", ["--action-ms", "50"]);
  }, 30_000);
  afterAll(async () => fake?.stop());

  test("hcloud-cli honours HCLOUD_ENDPOINT", async () => {
    const env = {
      ...process.env,
      HCLOUD_ENDPOINT: fake.info.endpoint,
      HCLOUD_TOKEN: fake.info.token,
      HCLOUD_CONFIG: join(dir, "cli.toml"),
    };
    const hcloud = (...args: string[]): string =>
      execFileSync(HCLOUD, args, { env, encoding: "utf8", timeout: 60_000 });
    expect(hcloud("server-type", "list", "-o", "noheader", "-o", "columns=name")).toContain("cx23");
    expect(hcloud("location", "list", "-o", "noheader", "-o", "columns=name").split("\n")).toContain("fsn1");
    hcloud(
      "ssh-key",
      "create",
      "--name",
      "cli-key",
      "--public-key",
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBnhWGxh3Hm3kkxdAaqx7w1xKi7TxO4pFvh1q7ErbCSk cli",
    );
    hcloud("firewall", "create", "--name", "cli-fw", "--label", "cairn.dev/cluster=cli");
    hcloud("placement-group", "create", "--name", "cli-pg", "--type", "spread");
    const created = hcloud(
      "server",
      "create",
      "--name",
      "cli-1",
      "--type",
      "cx23",
      "--image",
      "debian-12",
      "--location",
      "fsn1",
      "--ssh-key",
      "cli-key",
      "--placement-group",
      "cli-pg",
      "--firewall",
      "cli-fw",
      "--label",
      "cairn.dev/cluster=cli",
    );
    expect(created).toMatch(/Server \d+ created/);
    expect(
      hcloud("server", "list", "-l", "cairn.dev/cluster=cli", "-o", "noheader", "-o", "columns=name,status"),
    ).toMatch(/cli-1\s+running/);
    expect(hcloud("server", "describe", "cli-1")).toMatch(/Placement Group:\s*\n\s+ID:/);
    hcloud("server", "poweroff", "cli-1");
    expect(hcloud("server", "list", "-o", "noheader", "-o", "columns=name,status")).toMatch(/cli-1\s+off/);
    hcloud("server", "delete", "cli-1");
    // hcloud 1.30 does not wait for the delete action; the server leaves its placement group when it is gone.
    for (let i = 0; i < 100 && hcloud("server", "list", "-o", "noheader").trim() !== ""; i++)
      await new Promise((r) => setTimeout(r, 50));
    hcloud("placement-group", "delete", "cli-pg");
    hcloud("ssh-key", "delete", "cli-key");
    const log = await fake.log();
    expect(log.length).toBeGreaterThan(10);
    expect(bad(log)).toEqual([]);
    // The fake refuses what the API refuses, to the official client too: an unknown server type.
    const r = spawnSync(
      HCLOUD,
      ["server", "create", "--name", "x", "--type", "cx999", "--image", "debian-12"],
      { env, encoding: "utf8" },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/invalid input in field 'server_type' \(invalid_input\)/);
  }, 120_000);

  test("python3-hcloud takes api_endpoint", async () => {
    const since = (await fake.log()).at(-1)?.seq ?? 0;
    const out = python(
      `
import os
from hcloud import Client
from hcloud.images.domain import Image
from hcloud.locations.domain import Location
from hcloud.networks.domain import NetworkSubnet
from hcloud.server_types.domain import ServerType
from hcloud.firewalls.domain import FirewallRule
c = Client(token=os.environ["T"], api_endpoint=os.environ["E"], poll_interval=0.1)
assert "cx23" in [t.name for t in c.server_types.get_all()]
net = c.networks.create(name="py-net", ip_range="10.0.0.0/16",
                        subnets=[NetworkSubnet(ip_range="10.0.1.0/24", network_zone="eu-central", type="cloud")])
fw = c.firewalls.create(name="py-fw", rules=[FirewallRule(direction="in", protocol="tcp", port="50000", source_ips=["198.51.100.7/32"])]).firewall
r = c.servers.create(name="py-1", server_type=ServerType(name="cx23"), image=Image(name="debian-12"),
                     location=Location(name="fsn1"), start_after_create=False, labels={"cairn.dev/cluster": "py"})
r.action.wait_until_finished()
c.servers.attach_to_network(r.server, net, ip="10.0.1.11").wait_until_finished()
c.servers.power_on(r.server).wait_until_finished()
s = c.servers.get_all(label_selector="cairn.dev/cluster=py")[0]
print(s.name, s.status, s.private_net[0].ip)
c.servers.delete(s).wait_until_finished()
c.firewalls.delete(fw)
c.networks.delete(net)
print(len(c.servers.get_all()))
`,
      { T: fake.info.token!, E: fake.info.endpoint! },
    );
    expect(out.trim().split("\n")).toEqual(["py-1 running 10.0.1.11", "0"]);
    expect(bad(await fake.log(since))).toEqual([]);
  }, 120_000);
});

describe("Proxmox VE fake", () => {
  let fake: FakeHandle;
  beforeAll(async () => {
    fake = await startFake("proxmox", ["--task-ms", "50"]);
  }, 30_000);
  afterAll(async () => fake?.stop());

  test("proxmoxer talks https with the fake's CA and an API token", async () => {
    const [user, tokenName] = fake.info.tokenId!.split("!");
    const out = python(
      `
import os, time
from proxmoxer import ProxmoxAPI
from proxmoxer.core import ResourceException
u = os.environ["U"].split(":")
px = ProxmoxAPI(u[0], port=int(u[1]), user=os.environ["USER_ID"], token_name=os.environ["TOKEN_NAME"],
                token_value=os.environ["TOKEN"], verify_ssl=os.environ["CA"], service="PVE")
def wait(upid):
    while True:
        s = px.nodes("pve1").tasks(upid).status.get()
        if s["status"] == "stopped":
            return s["exitstatus"]
        time.sleep(0.05)
print(px.version.get()["release"])
print([n["node"] for n in px.nodes.get()])
vmid = int(px.cluster.nextid.get())
print(wait(px.nodes("pve1").qemu.post(vmid=vmid, name="py-vm", memory=2048, cores=2, net0="virtio,bridge=vmbr0,tag=16",
                                      scsihw="virtio-scsi-pci", scsi0="local-lvm:8", tags="cairn-py")))
cfg = px.nodes("pve1").qemu(vmid).config.get()
print(cfg["net0"].split("=")[0], cfg["scsi0"], cfg["tags"])
print(wait(px.nodes("pve1").qemu(vmid).status.start.post()))
print(px.nodes("pve1").qemu(vmid).status.current.get()["status"])
print(wait(px.nodes("pve1").qemu(vmid).status.stop.post()))
print(wait(px.nodes("pve1").qemu(vmid).delete(purge=1)))
try:
    px.nodes("pve1").qemu.post(vmid=vmid, nmae="typo")
except ResourceException as e:
    print(e.status_code, e.status_message, e.content)
`,
      {
        U: new URL(fake.info.url).host,
        USER_ID: user!,
        TOKEN_NAME: tokenName!,
        TOKEN: fake.info.tokenSecret!,
        CA: fake.info.caFile!,
      },
    );
    expect(out.trim().split("\n")).toEqual([
      "8.4",
      "['pve1']",
      "OK",
      "virtio local-lvm:vm-100-disk-0,size=8G cairn-py",
      "OK",
      "running",
      "OK",
      "OK",
      "400 Bad Request Parameter verification failed.",
    ]);
    const log = await fake.log();
    // Only the deliberate typo was refused.
    expect(log.filter((e) => e.rejected).map((e) => e.rejected)).toEqual([
      { nmae: "property is not defined in schema and the schema does not allow additional properties" },
    ]);
    expect(log.filter((e) => e.status >= 500)).toEqual([]);
  }, 120_000);
});
