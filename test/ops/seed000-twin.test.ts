// Issue 5's acceptance on seed 000's example (3-node Proxmox VLAN homelab), through the built CLI on the twin:
// after `cairn apply --twin --yes`, `cairn plan` has nothing pending (exit 0); after the Talos version in the file
// changes, `cairn plan` exits 2 and lists one upgrade per node.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/cairn.js");
const SUBNET = "127.0.232.0/24";
const dir = mkdtempSync(join(tmpdir(), "cairn-seed000-"));
const spec = join(dir, "cairn.yaml");
const clusterDir = join(dir, ".cairn", "homelab-k8s");

function cairn(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, CAIRN_TWIN_SUBNET: SUBNET, CAIRN_TWIN_REBOOT_MS: "200" },
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  copyFileSync(join(ROOT, "examples/homelab-proxmox-vlans.yaml"), spec);
}, 180_000);

afterAll(() => {
  spawnSync(process.execPath, [BIN, "twin", "down", "--state-dir", join(clusterDir, "twin")], {
    timeout: 30_000,
  });
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("seed 000 (homelab-proxmox-vlans) on the twin", () => {
  it("apply, then plan exits 0; a Talos version change plans one upgrade per node (exit 2)", () => {
    const a = cairn(["apply", "-f", spec, "--twin", "--yes"]);
    expect(a.code, a.out + a.err).toBe(0);
    const p = cairn(["plan", "-f", spec, "--twin"]);
    expect(p.code, p.out + p.err).toBe(0);

    const text = readFileSync(spec, "utf8");
    const from = /^ {2}version: (v1\.9\.\d+)/m.exec(text)?.[1];
    expect(from).toBeDefined();
    const changed = join(dir, "upgraded.yaml");
    writeFileSync(changed, text.replace(`version: ${from}`, "version: v1.10.9"));
    const q = cairn(["plan", "-f", changed, "--twin", "--dir", clusterDir, "--output", "json"]);
    expect(q.code, q.err).toBe(2);
    const plan = JSON.parse(q.out) as { actions: { kind: string; node?: string }[] };
    const upgrades = plan.actions.filter((x) => x.kind === "upgrade").map((x) => x.node);
    expect([...upgrades].sort()).toEqual(["talos-k8s-01", "talos-k8s-02", "talos-k8s-03"]);
  }, 180_000);
});
