// `cairn diff`: version and machine-config drift per node, redacted; on the twin, a node whose config was changed
// by hand is the only one reported.
import { afterAll, beforeAll, expect, test } from "vitest";
import { detectDrift, formatDrift, nodeDrift } from "../../src/ops/drift.js";
import { goldenConfig } from "../twin/helpers.js";
import { twinCluster, type TwinCluster } from "./upgrade-helpers.js";

const base = goldenConfig("worker", "1.12");

test("pure: version drift and redacted config changes, secrets never printed", () => {
  const rotated = base
    .replace(/token: \S+/, "token: abcdef.0123456789abcdef")
    .replace("kubelet:v1.28.0", "kubelet:v1.29.3");
  const d = nodeDrift("w", { version: "v1.12.10", config: rotated }, { version: "v1.12.11", config: base });
  expect(d.version).toEqual({ running: "v1.12.10", desired: "v1.12.11" });
  const paths = d.config.map((c) => c.path);
  expect(paths).toContain("machine.kubelet.image");
  expect(paths).toContain("machine.token");
  const text = formatDrift({ cluster: "x", simulated: false, drifted: true, errors: false, nodes: [d] });
  expect(text).toContain("machine.token: <redacted> → <redacted> (changed)");
  expect(text).not.toContain("abcdef.0123456789abcdef");
  expect(text).not.toMatch(/BEGIN|LS0tLS1CRUdJTi/);
  expect(nodeDrift("w", { version: "1.12.11", config: base }, { version: "v1.12.11", config: base })).toEqual(
    {
      node: "w",
      config: [],
    },
  );
});

let c: TwinCluster;
beforeAll(async () => {
  c = await twinCluster(1, 2, "127.0.134.0/24", { rebootMs: 200 });
}, 90_000);
afterAll(async () => {
  await c?.close();
});

test("twin: in sync, then one node's config changed by hand is reported (and only it)", async () => {
  const clean = await detectDrift(c.access);
  expect(clean.errors).toBe(false);
  expect(clean.drifted).toBe(false);
  expect(formatDrift(clean)).toMatch(/no drift\n$/);

  const client = await c.access.nodeClient("worker-2");
  const edited = base.replace("kubelet:\n", 'kubelet:\n        extraArgs:\n            max-pods: "50"\n');
  expect(edited).not.toBe(base);
  const [r] = await client.applyConfiguration(edited, { mode: "no-reboot" });
  client.close();
  expect(r?.ok).toBe(true);
  const drift = await detectDrift(c.access);
  expect(drift.drifted).toBe(true);
  expect(drift.nodes.filter((n) => n.config.length > 0).map((n) => n.node)).toEqual(["worker-2"]);
  expect(drift.nodes[2]!.config).toEqual([
    { document: "v1alpha1", path: "machine.kubelet.extraArgs.max-pods", op: "remove", before: '"50"' },
  ]);
}, 30_000);
