// The twin end to end on three control planes: maintenance mode, apply → secure mode, mTLS and role checks,
// bootstrap → a real 3-member etcd, snapshots etcdctl accepts, the kubeconfig archive and an A/B upgrade rollback.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readTarLenient } from "../../src/talos/api/tar.js";
import { createSelfSignedCA, parseCertificate, spkiFingerprint } from "../../src/talos/pki/index.js";
import type { CertKeyPem } from "../../src/twin/certs.js";
import * as etcd from "../../src/twin/etcd.js";
import { startTwin, type Twin } from "../../src/twin/twin.js";
import { bootstrap, clientCert, configure, goldenConfig, goldenOsCa, MS, RawClient } from "./helpers.js";

const SUBNET = "127.0.111.0/24";
let twin: Twin;
let admin: CertKeyPem;
const clients: RawClient[] = [];
const client = (address: string, cert?: CertKeyPem, ca = goldenOsCa().crt): RawClient => {
  const c = new RawClient(address, cert ? { kind: "mtls", ca, cert } : { kind: "insecure" });
  clients.push(c);
  return c;
};

beforeAll(async () => {
  twin = await startTwin({ controlplanes: 3, subnet: SUBNET, rebootMs: 300 });
  admin = await clientCert(["os:admin"]);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await twin?.stop();
});

describe("maintenance mode", () => {
  test("serves a self-signed maintenance certificate whose fingerprint the node prints", async () => {
    const node = twin.nodes[0]!;
    expect(node.stage).toBe("maintenance");
    const { X509Certificate } = await import("node:crypto");
    const cert = new X509Certificate(node.identity!.cert);
    expect(cert.subject).toBe("CN=maintenance-service.talos.dev");
    expect(cert.subjectAltName).toContain(`IP Address:${node.address}`);
    expect(cert.subjectAltName).toContain("IP Address:127.0.0.1");
    expect(node.maintenanceFingerprint).toBe(spkiFingerprint(parseCertificate(node.identity!.cert)));
    expect(twin.status().nodes[0]!.maintenanceFingerprint).toBe(node.maintenanceFingerprint);
  });

  test("answers everything but ApplyConfiguration and COSI reads with Unimplemented", async () => {
    const c = client(twin.nodes[0]!.address);
    await expect(c.unary(`${MS}Version`, {})).rejects.toMatchObject({
      code: grpc.status.UNIMPLEMENTED,
      details: "API is not implemented in maintenance mode",
    });
    await expect(c.unary(`${MS}Bootstrap`, {})).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
    const ms = await c.unary<{ resource: { spec: { yaml_spec: string } } }>("/cosi.resource.State/Get", {
      namespace: "runtime",
      type: "MachineStatuses.runtime.talos.dev",
      id: "machine",
    });
    expect(ms.resource.spec.yaml_spec).toContain("stage: maintenance");
    await expect(
      c.unary("/cosi.resource.State/Get", {
        namespace: "config",
        type: "MachineConfigs.config.talos.dev",
        id: "v1alpha1",
      }),
    ).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
  });

  test("rejects a config with a key the schema does not know", async () => {
    const c = client(twin.nodes[0]!.address);
    const bad = goldenConfig("controlplane").replace("machine:\n", "machine:\n    bogusKey: 1\n");
    await expect(
      c.unary(`${MS}ApplyConfiguration`, { data: Buffer.from(bad), mode: "AUTO" }),
    ).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringContaining('unknown field "bogusKey"'),
    });
    expect(twin.nodes[0]!.stage).toBe("maintenance");
  });
});

describe("secure mode", () => {
  beforeAll(async () => {
    await configure(twin);
  });

  test("apply moved every node to normal mode with a certificate from machine.ca", async () => {
    const c = client(twin.nodes[1]!.address, admin);
    const v = await c.unary<{ messages: { version: { tag: string }; platform: { name: string } }[] }>(
      `${MS}Version`,
      {},
    );
    expect(v.messages[0]!.version.tag).toBe("v1.13.9");
    expect(v.messages[0]!.platform.name).toBe("twin (simulated)");
  });

  test("a reader certificate may read but not apply a configuration", async () => {
    const reader = await clientCert(["os:reader"]);
    const c = client(twin.nodes[0]!.address, reader);
    await expect(c.unary(`${MS}Version`, {})).resolves.toBeTruthy();
    await expect(
      c.unary(`${MS}ApplyConfiguration`, {
        data: Buffer.from(goldenConfig("controlplane")),
        mode: "NO_REBOOT",
      }),
    ).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
  });

  test("a certificate from another CA is refused", async () => {
    const other = await createSelfSignedCA({
      algorithm: "ed25519",
      subject: { organization: ["talos"] },
      now: new Date(),
    });
    const foreign = await clientCert(["os:admin"], ["clientAuth"], other);
    const c = client(twin.nodes[0]!.address, foreign);
    await expect(c.unary(`${MS}Version`, {}, { timeoutMs: 5000 })).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
  });

  test("a client certificate with serverAuth and clientAuth is refused", async () => {
    const both = await clientCert(["os:admin"], ["serverAuth", "clientAuth"]);
    const c = client(twin.nodes[0]!.address, both);
    await expect(c.unary(`${MS}Version`, {}, { timeoutMs: 5000 })).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
  });

  test("bootstrap forms a real 3-member etcd; a second bootstrap fails as in Talos", async () => {
    await bootstrap(twin, admin);
    const c = client(twin.nodes[2]!.address, admin);
    const list = await c.unary<{ messages: { members: { hostname: string }[] }[] }>(
      `${MS}EtcdMemberList`,
      {},
    );
    expect(list.messages[0]!.members.map((m) => m.hostname).sort()).toEqual(["cp-1", "cp-2", "cp-3"]);
    expect((await etcd.memberList(twin.nodes[0]!.address)).length).toBe(3);
    await expect(c.unary(`${MS}Bootstrap`, {})).rejects.toMatchObject({
      code: grpc.status.ALREADY_EXISTS,
      details: "etcd data directory is not empty",
    });
    const status = await c.unary<{ messages: { member_status: { member_id: string; leader: string } }[] }>(
      `${MS}EtcdStatus`,
      {},
    );
    expect(status.messages[0]!.member_status.leader).not.toBe("0");
  });

  test("EtcdSnapshot streams a snapshot etcdctl accepts", async () => {
    await etcd.put(twin.nodes[0]!.address, "/cairn/test", "snapshot");
    const c = client(twin.nodes[1]!.address, admin);
    const chunks = await c.stream<{ bytes: Uint8Array }>(`${MS}EtcdSnapshot`, {});
    const file = join(twin.stateDir, "test-snapshot.db");
    writeFileSync(file, Buffer.concat(chunks.map((d) => Buffer.from(d.bytes))));
    const { stdout } = await promisify(execFile)("etcdctl", ["snapshot", "status", file, "-w", "json"]);
    expect(JSON.parse(stdout)).toMatchObject({ totalKey: expect.any(Number) });
  });

  test("Kubeconfig is one Data message: an unterminated tar.gz holding kubeconfig", async () => {
    const c = client(twin.nodes[0]!.address, admin);
    const msgs = await c.stream<{ bytes: Uint8Array }>(`${MS}Kubeconfig`, {});
    expect(msgs).toHaveLength(1);
    const tar = gunzipSync(Buffer.from(msgs[0]!.bytes));
    expect(tar.length % 512).not.toBe(0);
    const [entry] = readTarLenient(tar);
    expect(entry!.name).toBe("kubeconfig");
    expect(entry!.data.toString()).toContain("server: https://base:6443");
    expect(entry!.data.toString()).toContain("admin@base");
  });

  test("Upgrade with refuse-upgrade comes back on the old version (A/B rollback)", async () => {
    const node = twin.nodes[2]!;
    await twin.fault(node.name, { kind: "refuse-upgrade" });
    const c = client(node.address, admin);
    const r = await c.unary<{ messages: { ack: string }[] }>(`${MS}Upgrade`, {
      image: "ghcr.io/siderolabs/installer:v1.13.10",
    });
    expect(r.messages[0]!.ack).toBe("Upgrade request received");
    await twin.waitFor("upgrade to start", () => node.stage !== "running", 5000);
    await twin.waitFor("node back up", () => node.ready, 20_000);
    const c2 = client(node.address, admin);
    const v = await c2.unary<{ messages: { version: { tag: string } }[] }>(`${MS}Version`, {});
    expect(v.messages[0]!.version.tag).toBe("v1.13.9");
    // The other nodes upgrade normally and keep their etcd data.
    const ok = twin.nodes[1]!;
    await client(ok.address, admin).unary(`${MS}Upgrade`, { image: "ghcr.io/siderolabs/installer:v1.13.10" });
    await twin.waitFor("upgrade to start", () => ok.stage !== "running", 5000);
    await twin.waitFor("node back up", () => ok.ready, 20_000);
    expect(ok.version).toBe("v1.13.10");
    await expect(etcd.get(ok.address, "/cairn/test")).resolves.toBe("snapshot");
  });
});
