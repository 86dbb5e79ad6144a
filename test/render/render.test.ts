// `cairn render` on every example: configs are schema-valid for their contract, every secret file is 0600,
// and a second run changes no byte.
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, basename } from "node:path";
import { describe, expect, it } from "vitest";
import { runRender } from "../../src/ops/render/run.js";
import { validateTalosDocuments } from "../../src/talos/config/validate.js";
import { loadSpecFile } from "../../src/clusterspec/load.js";
import { REPO_ROOT } from "../helpers/shared.js";
import { main } from "../../src/cli/main.js";

const examples = readdirSync(join(REPO_ROOT, "examples"))
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => join(REPO_ROOT, "examples", f));

function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.set(p, readFileSync(p, "utf8"));
    }
  };
  walk(dir);
  return files;
}

describe("cairn render", () => {
  it.each(examples.map((f) => [basename(f), f]))(
    "%s: schema-valid, 0600, byte-identical on a second run",
    async (_name, file) => {
      const out = mkdtempSync(join(tmpdir(), "cairn-render-"));
      const first = await runRender({ file, out });
      const model = loadSpecFile(file).model!;
      const configs = first.artefacts.filter((a) => a.kind === "machineconfig");
      expect(configs.map((a) => a.node).sort()).toEqual(model.nodes.map((n) => n.name).sort());
      for (const a of first.artefacts) {
        expect(a.changed).toBe(true);
        expect(statSync(a.path).mode & 0o777).toBe(0o600);
      }
      for (const a of configs) {
        const text = readFileSync(a.path, "utf8");
        expect(validateTalosDocuments(text, model.contract)).toEqual([]);
        expect(text).toContain(a.node!);
      }
      const before = snapshot(out);
      const second = await runRender({ file, out });
      expect(second.artefacts.every((a) => !a.changed)).toBe(true);
      expect(snapshot(out)).toEqual(before);
    },
  );

  it("refuses to invent new secrets when configs from older ones exist", async () => {
    const out = mkdtempSync(join(tmpdir(), "cairn-render-"));
    const file = join(REPO_ROOT, "examples", "minimal.yaml");
    await runRender({ file, out });
    const { rmSync } = await import("node:fs");
    rmSync(join(out, "secrets.yaml"));
    await expect(runRender({ file, out })).rejects.toThrow(/secrets.yaml is missing, but .* holds configs/);
  });

  it("writes configs that carry the model: hostname, addresses, VLAN tags, VIP, install image", async () => {
    const out = mkdtempSync(join(tmpdir(), "cairn-render-"));
    await runRender({ file: join(REPO_ROOT, "examples", "home-ops-ceph.yaml"), out });
    const m01 = readFileSync(join(out, "nodes", "talos-m01.yaml"), "utf8");
    expect(m01).toContain("hostname: talos-m01");
    expect(m01).toContain("192.168.5.201/24");
    expect(m01).toContain("ip: 192.168.5.200");
    expect(m01).toContain("mtu: 9000");
    expect(m01).toMatch(/image: factory\.talos\.dev\/metal-installer\/[0-9a-f]{64}:v1\.11\.5/);
    expect(m01).toContain("- name: nvidia");
  });

  it("refuses, naming the node and path, when a patch makes a config Talos would reject; writes nothing", async () => {
    const { writeFileSync, existsSync } = await import("node:fs");
    const dir = mkdtempSync(join(tmpdir(), "cairn-render-"));
    const spec = readFileSync(join(REPO_ROOT, "examples", "minimal.yaml"), "utf8").replace(
      /^talos:\n/m,
      "talos:\n  patches:\n    - machine:\n        kubelet:\n          bogusField: true\n",
    );
    expect(spec).toContain("bogusField");
    const file = join(dir, "cairn.yaml");
    writeFileSync(file, spec);
    await expect(runRender({ file, out: join(dir, "out") })).rejects.toThrow(
      /node cp1: the rendered machine config is not valid for Talos 1\.13:\n.*\/machine\/kubelet: unknown field "bogusField"/,
    );
    expect(existsSync(join(dir, "out", "nodes"))).toBe(false);
  });

  it("lists what it wrote with --output json", async () => {
    const out = mkdtempSync(join(tmpdir(), "cairn-render-"));
    let stdout = "";
    const io = { out: (s: string) => void (stdout += s), err: () => undefined, isTTY: false };
    const code = await main(
      [
        "node",
        "cairn",
        "render",
        "-f",
        join(REPO_ROOT, "examples", "minimal.yaml"),
        "-o",
        out,
        "--output",
        "json",
      ],
      io,
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { artefacts: { kind: string }[] };
    expect(report.artefacts.map((a) => a.kind)).toEqual([
      "secrets",
      "machineconfig",
      "talosconfig",
      "kubeconfig",
    ]);
  });
});
