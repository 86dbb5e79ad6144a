// The day-2 commands through the built CLI on the twin, as a user runs them after `cairn apply`: health, diff
// (clean, then drift after a spec change), a rolling Talos upgrade (dry run, then for real), an etcd snapshot and
// a restore from it. Exit codes and the lines users read are the contract.
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/shared.js";
import { planAndDiff, twinCli, twinDown } from "../helpers/twin-cli.js";

const SUBNET = "127.0.217.0/24";
const dir = mkdtempSync(join(tmpdir(), "cairn-day2-"));
const spec = join(dir, "cairn.yaml");
const twinDir = join(dir, ".cairn", "solo", "twin");
const cairn = twinCli(dir, SUBNET);

beforeAll(() => {
  copyFileSync(join(REPO_ROOT, "examples/single-node.yaml"), spec);
  const a = cairn(["apply", "-f", spec, "--twin", "--yes"]);
  expect(a.code, a.out + a.err).toBe(0);
}, 180_000);

afterAll(() => {
  twinDown(twinDir);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("day-2 commands on the twin (single node)", () => {
  it("health reports every check and exits 0; --output json carries the same verdict", () => {
    const h = cairn(["health", "-f", spec, "--twin"]);
    expect(h.code, h.out + h.err).toBe(0);
    expect(h.out).toMatch(/^cluster solo \(SIMULATED on the twin\): healthy/);
    for (const check of ["reachable", "version", "ready", "services", "etcd", "expiry"])
      expect(h.out).toMatch(new RegExp(`ok +${check} `));
    const j = cairn(["health", "-f", spec, "--twin", "--output", "json"]);
    expect(JSON.parse(j.out)).toMatchObject({ cluster: "solo", simulated: true, ok: true });
  });

  it("diff is clean after apply, then shows a spec change redacted, with exit 2", () => {
    const { plan, diff: clean, agree } = planAndDiff(cairn, ["-f", spec, "--twin"]);
    expect(clean.code, clean.out + clean.err).toBe(0);
    expect(clean.out).toMatch(/solo: in sync/);
    expect(agree, plan.out).toBe(true);
    const changed = join(dir, "changed.yaml");
    writeFileSync(
      changed,
      readFileSync(spec, "utf8")
        .replace("storage: { type: local-path }", "storage: { type: local-path }\n# changed")
        .replace("role: controlplane", "role: controlplane\n    labels: { tier: gold }"),
    );
    const d = cairn(["diff", "-f", changed, "--twin", "--dir", join(dir, ".cairn", "solo")]);
    expect(d.code, d.out + d.err).toBe(2);
    expect(d.out).toContain('+ v1alpha1 machine.nodeLabels.tier: "gold"');
    expect(d.out).not.toMatch(/LS0tLS1CRUdJTi/); // no certificate or key material
  });

  it("upgrade talos: --dry-run shows the plan and changes nothing; the real run upgrades and reports per node", () => {
    const dry = cairn(["upgrade", "talos", "--to", "v1.13.9", "-f", spec, "--twin", "--dry-run"]);
    expect(dry.code, dry.out + dry.err).toBe(0);
    // The upgrade, the node's config for its new release (a new contract), the wait, the etcd gate.
    expect(dry.out).toMatch(/upgrade talos — SIMULATED on the twin: 4 action\(s\)/);
    expect(dry.out).toMatch(/upgrade solo v1\.12\.11 → v1\.13\.9/);
    expect(dry.out).toMatch(/convert solo's config to the Talos 1\.13 contract, once it runs v1\.13\.9/);
    expect(cairn(["status", "-f", spec, "--twin"]).out).toMatch(/solo .* v1\.12\.11/);
    const up = cairn(["upgrade", "talos", "--to", "v1.13.9", "-f", spec, "--twin", "--yes"]);
    expect(up.code, up.out + up.err).toBe(0);
    expect(up.out).toMatch(/solo +upgraded/);
    expect(cairn(["status", "-f", spec, "--twin"]).out).toMatch(/solo .* v1\.13\.9/);
    // cairn.yaml was left behind: said so, with the line to change; plan refuses to move the node back.
    expect(up.err).toMatch(
      /cairn\.yaml:\d+ still says talos\.version: v1\.12\.11, but the cluster now runs v1\.13\.9/,
    );
    const behind = planAndDiff(cairn, ["-f", spec, "--twin"]);
    expect(behind.plan.code).toBe(1);
    expect(behind.plan.out).toMatch(/set `talos\.version: v1\.13\.9` in cairn\.yaml/);
    expect(behind.agree, behind.diff.out).toBe(true);
    // --update-spec brings the spec up (nothing left to upgrade): that value only, the rest of the file as it was.
    const before = readFileSync(spec, "utf8");
    const fix = cairn([
      "upgrade",
      "talos",
      "--to",
      "v1.13.9",
      "-f",
      spec,
      "--twin",
      "--yes",
      "--update-spec",
    ]);
    expect(fix.code, fix.out + fix.err).toBe(0);
    expect(readFileSync(spec, "utf8")).toBe(before.replace("version: v1.12.11", "version: v1.13.9"));
    const clean = planAndDiff(cairn, ["-f", spec, "--twin"]);
    expect(clean.plan.code, clean.plan.out + clean.plan.err).toBe(0);
    expect(clean.diff.code, clean.diff.out + clean.diff.err).toBe(0);
    // Without --yes off a terminal: refused before anything happens.
    const noYes = cairn(["upgrade", "talos", "--to", "v1.13.9", "-f", spec, "--twin"]);
    expect(noYes.code).toBe(1);
    expect(noYes.err).toMatch(/refusing to upgrade talos without --yes/);
  }, 120_000);

  it("etcd snapshot writes a checked 0600 file; restore --wipe brings etcd back from it", () => {
    const file = join(dir, "solo.snapshot");
    const s = cairn(["etcd", "snapshot", "-f", spec, "--twin", "--out", file]);
    expect(s.code, s.out + s.err).toBe(0);
    expect(s.out).toMatch(/etcd snapshot from solo \(SIMULATED on the twin\) written to/);
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const refused = cairn(["etcd", "restore", file, "-f", spec, "--twin", "--yes"]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/still has a live etcd member/);
    expect(refused.err).toMatch(/pass --wipe/);
    const r = cairn(["etcd", "restore", file, "-f", spec, "--twin", "--yes", "--wipe"]);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/etcd restored from .* \(SIMULATED on the twin\)/);
    expect(cairn(["health", "-f", spec, "--twin"]).code).toBe(0);
  }, 180_000);
});
