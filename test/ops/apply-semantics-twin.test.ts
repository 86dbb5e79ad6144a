// Issue 15 item 2 wired into `cairn apply`'s apply-config step, against the twin (which emulates each release's
// ApplyConfiguration): a change that needs a boot is sent to a 1.14 node as NO_REBOOT and followed by an explicit
// Reboot (REBOOT is never sent outside maintenance mode; 1.14 refuses it); a 1.13 node gets AUTO, reboots by itself,
// and the step ends only once the node has left its old boot, so the wait after it cannot mistake the old boot for
// the new one; a live change reboots nothing.
import { afterAll, expect, test, vi } from "vitest";
import type { ActionContext } from "../../src/engine/types.js";
import { applyConfigHandler } from "../../src/ops/apply/apply-config.js";
import { waitSecureHandler } from "../../src/ops/apply/wait-secure.js";
import { createClusterAccess, type ClusterAccess } from "../../src/ops/access.js";
import { TalosClient, type ApplyModeName } from "../../src/talos/api/client.js";
import { clientCert, goldenConfig, goldenOsCa } from "../twin/helpers.js";
import { inProcessTarget, memoryState, twinCluster, type TwinCluster } from "./upgrade-helpers.js";

const clusters: TwinCluster[] = [];
afterAll(async () => {
  for (const c of clusters) await c.close();
});

/** An access whose spec gives cp-1 the golden config with one field changed. */
async function changed(
  c: TwinCluster,
  contract: string,
  from: string,
  to: string,
  also: [string, string] = ["", ""],
): Promise<ClusterAccess> {
  const text = goldenConfig("controlplane", contract)
    .replace(from, to)
    .replace(...also);
  expect(text).not.toBe(goldenConfig("controlplane", contract));
  const admin = await clientCert(["os:admin"]);
  const state = memoryState(c.access.model.name);
  state.update((s) => {
    s.nodes["cp-1"] = { stage: "running", role: "controlplane" };
  });
  return createClusterAccess({
    model: c.access.model,
    paths: c.access.paths,
    target: inProcessTarget(c.twin),
    artefacts: [
      {
        path: "nodes/cp-1.yaml",
        content: text,
        mode: 0o600,
        sensitive: true,
        kind: "machineconfig",
        node: "cp-1",
      },
    ],
    credentials: { caPem: goldenOsCa().crt, certPem: admin.cert, keyPem: admin.key },
    state,
    connectTimeoutMs: 2000,
  });
}

function context(): ActionContext & { said: string[] } {
  const notes = new Map<string, unknown>();
  const said: string[] = [];
  return {
    said,
    signal: AbortSignal.timeout(60_000),
    attempt: 1,
    progress: () => undefined,
    outcome: (m) => void said.push(m),
    journal: { note: (k, v) => void notes.set(k, v), get: (k) => notes.get(k) },
  };
}

async function applyTo(access: ClusterAccess): Promise<{ modes: ApplyModeName[]; said: string[] }> {
  const modes: ApplyModeName[] = [];
  const real = TalosClient.prototype.applyConfiguration;
  const spy = vi.spyOn(TalosClient.prototype, "applyConfiguration").mockImplementation(function (
    this: TalosClient,
    config,
    options,
    nodes,
  ) {
    modes.push(options?.mode ?? "auto");
    return real.call(this, config, options, nodes);
  });
  const ctx = context();
  try {
    const action = {
      id: "apply-config:cp-1",
      kind: "apply-config",
      node: "cp-1",
      title: "apply",
      dependsOn: [],
      params: {
        node: "cp-1",
        role: "controlplane",
        maintenance: false,
        configHash: access.config("cp-1")!.hash,
      },
    };
    await applyConfigHandler(access)(action, ctx);
    // The wait after the change: the node back, running, its etcd healthy.
    await waitSecureHandler(access)(
      {
        ...action,
        id: "wait-ready:cp-1",
        kind: "wait-secure",
        params: { node: "cp-1", role: "controlplane", afterChange: true },
      },
      context(),
    );
  } finally {
    spy.mockRestore();
  }
  return { modes, said: ctx.said };
}

const rebootCalls = (c: TwinCluster): number =>
  c.twin.node("cp-1").log.filter((r) => r.method === "/machine.MachineService/Reboot").length;

test("Talos 1.14: NO_REBOOT, then an explicit Reboot for a change that needs a boot", async () => {
  const c = await twinCluster(1, 0, "127.0.252.0/24", { talos: "v1.14.0", contract: "1.14", rebootMs: 200 });
  clusters.push(c);
  const access = await changed(c, "1.14", "diskQuotaSupport: true", "diskQuotaSupport: false");
  const boot = c.twin.node("cp-1").bootId;
  const { modes, said } = await applyTo(access);
  expect(modes).toEqual(["no-reboot"]);
  expect(rebootCalls(c)).toBe(1);
  expect(c.twin.node("cp-1").bootId).not.toBe(boot);
  expect(c.twin.node("cp-1").config?.text).toBe(access.config("cp-1")!.text);
  expect(said.at(-1)).toMatch(
    /^applied live, then rebooted \(Talos v1\.14\.0 boots machine\.features\.diskQuotaSupport\)/,
  );
  await access.close();
}, 90_000);

test("Talos 1.13: AUTO, the node reboots by itself, the step waits for it; a live change reboots nothing", async () => {
  const c = await twinCluster(1, 0, "127.0.253.0/24", { talos: "v1.13.9", contract: "1.13", rebootMs: 200 });
  clusters.push(c);
  const access = await changed(c, "1.13", "diskQuotaSupport: true", "diskQuotaSupport: false");
  const boot = c.twin.node("cp-1").bootId;
  const { modes, said } = await applyTo(access);
  expect(modes).toEqual(["auto"]);
  expect(rebootCalls(c)).toBe(0); // the node rebooted itself (AUTO → REBOOT), cairn sent no Reboot
  expect(c.twin.node("cp-1").bootId).not.toBe(boot);
  expect(c.twin.node("cp-1").config?.text).toBe(access.config("cp-1")!.text);
  expect(said.at(-1)).toBe("applied; the node rebooted to take it");
  await access.close();

  // machine.certSANs is applied live on every release.
  const live = await changed(c, "1.13", "diskQuotaSupport: true", "diskQuotaSupport: false", [
    "certSANs: []",
    "certSANs: [10.9.9.9]",
  ]);
  const before = c.twin.node("cp-1").bootId;
  const second = await applyTo(live);
  expect(second.said.at(-1)).toBe("applied without a reboot");
  expect(c.twin.node("cp-1").bootId).toBe(before);
  await live.close();
}, 90_000);
