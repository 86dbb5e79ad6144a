// Disaster recovery on the twin: snapshot a one-node cluster, reset it (etcd data wiped, back to maintenance),
// configure it again, upload the snapshot with EtcdRecover and Bootstrap{recover_etcd}: the keys are back.
import { afterAll, beforeAll, expect, test } from "vitest";
import * as grpc from "@grpc/grpc-js";
import * as etcd from "../../src/twin/etcd.js";
import { startTwin, type Twin } from "../../src/twin/twin.js";
import type { CertKeyPem } from "../../src/twin/certs.js";
import { bootstrap, clientCert, configure, goldenOsCa, MS, RawClient } from "./helpers.js";

let twin: Twin;
let admin: CertKeyPem;

beforeAll(async () => {
  twin = await startTwin({ controlplanes: 1, subnet: "127.0.112.0/24", rebootMs: 200 });
  admin = await clientCert(["os:admin"]);
});

afterAll(async () => {
  await twin?.stop();
});

test("recover etcd from a snapshot after a reset", async () => {
  const node = twin.nodes[0]!;
  await configure(twin);
  await bootstrap(twin, admin);
  await etcd.put(node.address, "/cairn/keep", "me");
  let c = new RawClient(node.address, { kind: "mtls", ca: goldenOsCa().crt, cert: admin });
  const snapshot = await c.stream<{ bytes: Uint8Array }>(`${MS}EtcdSnapshot`, {});
  await c.unary(`${MS}Reset`, { graceful: true, reboot: true });
  c.close();
  await twin.waitFor(
    "back in maintenance",
    () => node.stage === "maintenance" && node.server !== undefined,
    20_000,
  );
  expect(node.hasEtcdData).toBe(false);

  await configure(twin);
  c = new RawClient(node.address, { kind: "mtls", ca: goldenOsCa().crt, cert: admin });
  await expect(c.unary(`${MS}Bootstrap`, { recover_etcd: true })).rejects.toMatchObject({
    code: grpc.status.FAILED_PRECONDITION,
  });
  await c.clientStream(
    `${MS}EtcdRecover`,
    snapshot.map((d) => ({ bytes: d.bytes })),
  );
  await c.unary(`${MS}Bootstrap`, { recover_etcd: true });
  c.close();
  await twin.waitFor("etcd recovered", () => node.ready, 20_000);
  await expect(etcd.get(node.address, "/cairn/keep")).resolves.toBe("me");
});
