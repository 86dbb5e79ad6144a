// Version-specific behaviour: a 1.11 node rejects document kinds it does not know and the apply modes its
// maintenance service lacks, and runs apid without RBAC when the config does not enable it.
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startTwin, type Twin } from "../../src/twin/twin.js";
import { clientCert, goldenConfig, goldenOsCa, MS, RawClient } from "./helpers.js";

let twin: Twin;

beforeAll(async () => {
  twin = await startTwin({
    controlplanes: 1,
    talosVersion: "v1.11.6",
    subnet: "127.0.114.0/24",
    rebootMs: 200,
  });
});

afterAll(async () => {
  await twin?.stop();
});

test("a 1.12 config (HostnameConfig) is rejected by a 1.11 node", async () => {
  const c = new RawClient(twin.nodes[0]!.address, { kind: "insecure" });
  await expect(
    c.unary(`${MS}ApplyConfiguration`, {
      data: Buffer.from(goldenConfig("controlplane", "1.12")),
      mode: "AUTO",
    }),
  ).rejects.toMatchObject({
    code: grpc.status.INVALID_ARGUMENT,
    details: expect.stringContaining('unknown document kind "HostnameConfig"'),
  });
  await expect(
    c.unary(`${MS}ApplyConfiguration`, {
      data: Buffer.from(goldenConfig("controlplane", "1.11")),
      mode: "NO_REBOOT",
    }),
  ).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
  c.close();
});

test("RBAC is off on 1.11 without machine.features.rbac: a reader may do admin things", async () => {
  const node = twin.nodes[0]!;
  const config = goldenConfig("controlplane", "1.11").replace(/^( {8})rbac: true\n/m, "");
  expect(config).not.toMatch(/rbac:/);
  const m = new RawClient(node.address, { kind: "insecure" });
  await m.unary(`${MS}ApplyConfiguration`, { data: Buffer.from(config), mode: "AUTO" });
  m.close();
  await twin.waitFor(
    "normal mode",
    () => node.mode === "normal" && node.stage === "running" && node.server !== undefined,
    20_000,
  );
  const reader = new RawClient(node.address, {
    kind: "mtls",
    ca: goldenOsCa().crt,
    cert: await clientCert(["os:reader"]),
  });
  const v = await reader.unary<{ messages: { features: { rbac: boolean } }[] }>(`${MS}Version`, {});
  expect(v.messages[0]!.features.rbac).toBe(false);
  const kc = await reader.stream(`${MS}Kubeconfig`, {});
  expect(kc).toHaveLength(1);
  reader.close();
});
