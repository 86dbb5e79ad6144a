// Issue 5's acceptance on seed 000's example (3-node Proxmox VLAN homelab), through the built CLI on the twin:
// after `cairn apply --twin --yes`, `cairn plan` has nothing pending (exit 0); after the Talos version in the file
// changes, `cairn plan` exits 2 and lists one upgrade per node.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/shared.js";
import { planAndDiff, twinCli, twinDown } from "../helpers/twin-cli.js";

const SUBNET = "127.0.232.0/24";
const dir = mkdtempSync(join(tmpdir(), "cairn-seed000-"));
const spec = join(dir, "cairn.yaml");
const clusterDir = join(dir, ".cairn", "homelab-k8s");
const cairn = twinCli(dir, SUBNET);

beforeAll(() => {
  copyFileSync(join(REPO_ROOT, "examples/homelab-proxmox-vlans.yaml"), spec);
}, 180_000);

afterAll(() => {
  twinDown(join(clusterDir, "twin"));
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("seed 000 (homelab-proxmox-vlans) on the twin", () => {
  it("apply, then plan exits 0; a Talos version change plans one upgrade per node (exit 2)", () => {
    const a = cairn(["apply", "-f", spec, "--twin", "--yes"]);
    expect(a.code, a.out + a.err).toBe(0);
    const { plan: p, diff, agree } = planAndDiff(cairn, ["-f", spec, "--twin"]);
    expect(p.code, p.out + p.err).toBe(0);
    expect(agree, diff.out + diff.err).toBe(true);

    const text = readFileSync(spec, "utf8");
    const from = /^ {2}version: (v1\.[89]\.\d+)/m.exec(text)?.[1];
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
