// An apply-config action carries the hash of the config it was planned with, and its handler sends exactly those
// bytes or nothing: when the spec changes between plan and run, the handler refuses, naming the node, and the node
// (a twin machine in maintenance mode) never receives a config.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { applyHandlers } from "../../src/ops/apply/handlers.js";
import { buildApply } from "../../src/ops/apply/run.js";
import { loadCluster, openCluster } from "../../src/ops/open.js";
import { executeOperation } from "../../src/ops/operation.js";
import { runRender } from "../../src/ops/render/run.js";
import { startTwin, type Twin } from "../../src/twin/twin.js";

const SUBNET = "127.0.216.0/24";
const dir = mkdtempSync(join(tmpdir(), "cairn-planned-config-"));
const file = join(dir, "cairn.yaml");
let twin: Twin;

const spec = (label: string): string => `apiVersion: cairn.dev/v1alpha1
kind: Cluster
name: planned
talos: { version: v1.12.11 }
networks:
  twin: { cidr: ${SUBNET} }
provider: { type: static }
nodes:
  - name: cp-1
    role: controlplane
    static: { address: 127.0.216.1 }
    interfaces: [{ network: twin, address: 127.0.216.1 }]
    labels: { zone: ${label} }
`;

beforeAll(async () => {
  twin = await startTwin({
    controlplanes: 1,
    subnet: SUBNET,
    talosVersion: "v1.12.11",
    onError: () => undefined,
  });
  writeFileSync(file, spec("a"));
  await runRender({ file }); // the cluster's identity exists, so both opens below share it
}, 60_000);

afterAll(async () => {
  await twin?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it("refuses to apply a config other than the planned one, naming the node; the machine receives nothing", async () => {
  const planned = await openCluster(loadCluster({ file, simulated: false }));
  const op = await buildApply(planned);
  const apply = op.plan.actions.find((a) => a.id === "apply-config:cp-1")!;
  expect(apply.params.configHash).toBe(planned.config("cp-1")!.hash);
  await planned.close();

  writeFileSync(file, spec("b")); // the spec changes after the plan was made
  const now = await openCluster(loadCluster({ file, simulated: false }));
  try {
    expect(now.config("cp-1")!.hash).not.toBe(apply.params.configHash);
    const result = await executeOperation(now, { ...op, handlers: applyHandlers(now) });
    expect(result.ok).toBe(false);
    expect(result.failed?.id).toBe("apply-config:cp-1");
    expect(result.failed?.error).toMatch(
      /^cp-1: the config cairn would send now .* is not the one this plan was made with/,
    );
    expect(result.failed?.error).toMatch(/nothing was applied to cp-1/);
  } finally {
    await now.close();
  }
  const node = twin.node("cp-1");
  expect(node.log.filter((c) => c.method.endsWith("/ApplyConfiguration"))).toEqual([]);
  expect(node.status().stage).toBe("maintenance");
}, 60_000);
