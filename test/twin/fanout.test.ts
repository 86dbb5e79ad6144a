// apid-style forwarding across five twin nodes: `nodes` fans out and reports a crashed node in metadata.error,
// `node` proxies one-to-one, and COSI refuses one-to-many.
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startTwin, type Twin } from "../../src/twin/twin.js";
import { bootstrap, clientCert, configure, goldenOsCa, MS, RawClient } from "./helpers.js";

let twin: Twin;
let c: RawClient;

beforeAll(async () => {
  twin = await startTwin({ controlplanes: 3, workers: 2, subnet: "127.0.113.0/24", rebootMs: 200 });
  await configure(twin);
  const admin = await clientCert(["os:admin"]);
  await bootstrap(twin, admin);
  c = new RawClient(twin.nodes[0]!.address, { kind: "mtls", ca: goldenOsCa().crt, cert: admin });
});

afterAll(async () => {
  c?.close();
  await twin?.stop();
});

interface VersionMsg {
  metadata: { hostname: string; error: string; status: { code: number } | null } | null;
  version: { tag: string } | null;
}

test("nodes fan-out over five nodes with one crashed: four answers and one per-node error", async () => {
  const crashed = twin.nodes[4]!;
  await twin.fault(crashed.name, { kind: "crash" });
  const all = twin.nodes.map((n) => n.address);
  const r = await c.unary<{ messages: VersionMsg[] }>(`${MS}Version`, {}, { nodes: all });
  expect(r.messages).toHaveLength(5);
  const ok = r.messages.filter((m) => !m.metadata?.error);
  const failed = r.messages.filter((m) => m.metadata?.error);
  expect(ok).toHaveLength(4);
  expect(ok.map((m) => m.metadata!.hostname).sort()).toEqual(all.slice(0, 4).sort());
  expect(ok.every((m) => m.version?.tag === "v1.13.9")).toBe(true);
  expect(failed).toHaveLength(1);
  expect(failed[0]!.metadata!.hostname).toBe(crashed.address);
  expect(failed[0]!.metadata!.error).toMatch(/^rpc error: code = Unavailable desc = .*connection refused/);
  expect(failed[0]!.metadata!.status?.code).toBe(grpc.status.UNAVAILABLE);
  // Each target logged the forwarded call, with the node that forwarded it.
  expect(
    twin.nodes[2]!.log.some((e) => e.method === `${MS}Version` && e.proxiedFrom === twin.nodes[0]!.address),
  ).toBe(true);
  await twin.fault(crashed.name, { kind: "heal" });
  await twin.waitFor("healed node back", () => crashed.ready, 20_000);
});

test("node proxies one-to-one without metadata; nodes on COSI is InvalidArgument", async () => {
  const target = twin.nodes[3]!;
  const r = await c.unary<{ messages: VersionMsg[] }>(`${MS}Version`, {}, { node: target.address });
  expect(r.messages).toHaveLength(1);
  expect(r.messages[0]!.metadata?.hostname ?? "").toBe("");
  expect(target.log.at(-1)).toMatchObject({ method: `${MS}Version`, proxiedFrom: twin.nodes[0]!.address });
  const ms = await c.unary<{ resource: { spec: { yaml_spec: string } } }>(
    "/cosi.resource.State/Get",
    { namespace: "runtime", type: "MachineStatuses.runtime.talos.dev", id: "machine" },
    { node: target.address },
  );
  expect(ms.resource.spec.yaml_spec).toContain("ready: true");
  await expect(
    c.unary(
      "/cosi.resource.State/Get",
      { namespace: "runtime", type: "MachineStatuses.runtime.talos.dev", id: "machine" },
      { nodes: [target.address] },
    ),
  ).rejects.toMatchObject({
    code: grpc.status.INVALID_ARGUMENT,
    details: "one-2-many proxying is not supported for COSI methods",
  });
});

test("a hung node never answers and a partitioned node times out in the fan-out", async () => {
  const hung = twin.nodes[1]!;
  const cut = twin.nodes[2]!;
  await twin.fault(hung.name, { kind: "hang" });
  const direct = new RawClient(hung.address, {
    kind: "mtls",
    ca: goldenOsCa().crt,
    cert: await clientCert(["os:reader"]),
  });
  await expect(direct.unary(`${MS}Version`, {}, { timeoutMs: 500 })).rejects.toMatchObject({
    code: grpc.status.DEADLINE_EXCEEDED,
  });
  direct.close();
  await twin.fault(hung.name, { kind: "heal" });
  await twin.fault(cut.name, { kind: "partition" });
  const r = await c.unary<{ messages: VersionMsg[] }>(
    `${MS}Version`,
    {},
    { nodes: [twin.nodes[0]!.address, cut.address] },
  );
  expect(r.messages.find((m) => m.metadata?.hostname === cut.address)?.metadata?.error).toMatch(
    /i\/o timeout/,
  );
  await twin.fault(cut.name, { kind: "heal" });
});
