// The Talos API client against a small in-test apid (fake-apid.ts) over real mTLS.
import { createServer } from "node:net";
import { gzipSync } from "node:zlib";
import {
  status,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
} from "@grpc/grpc-js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TalosClient } from "../../../src/talos/api/client.js";
import {
  TalosCertificateError,
  TalosMaintenanceModeError,
  TalosNodeError,
  TalosPermissionDeniedError,
  TalosUnreachableError,
} from "../../../src/talos/api/errors.js";
import { encodeAny } from "../../../src/talos/api/messages.js";
import { readTarLenient } from "../../../src/talos/api/tar.js";
import type * as T from "../../../src/talos/api/types.js";
import {
  makeMaintenanceCert,
  makePki,
  nodeOf,
  nodesOf,
  proxied,
  peerRoles,
  startFakeApid,
  UNIMPLEMENTED_IN_MAINTENANCE,
  type FakeApid,
  type Handlers,
  type Pki,
} from "./fake-apid.js";

let pki: Pki;
const running: FakeApid[] = [];
const clients: TalosClient[] = [];

beforeAll(async () => {
  pki = await makePki();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of running.splice(0)) await s.stop();
});

afterAll(() => undefined);

async function serve(handlers: Handlers): Promise<FakeApid> {
  const s = await startFakeApid(handlers, { mode: "mtls", pki });
  running.push(s);
  return s;
}

function client(
  endpoints: string[],
  who: "admin" | "reader" = "admin",
  extra: Partial<ConstructorParameters<typeof TalosClient>[0]> = {},
): TalosClient {
  const c = new TalosClient({
    endpoints,
    tls: { mode: "mtls", caPem: pki.ca.certPem, certPem: pki[who].certPem, keyPem: pki[who].keyPem },
    connectTimeoutMs: 3000,
    retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 20 },
    ...extra,
  });
  clients.push(c);
  return c;
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

const DEAD_NODE = "10.5.0.9";

/** Emulates apid: one-to-one for a `node` header; fan-out over `nodes`, unreachable ones as metadata.error. */
function fanOut<M extends object>(
  md: ServerUnaryCall<unknown, unknown>["metadata"],
  make: (node: string) => M,
) {
  const one = nodeOf(md);
  if (one !== undefined) return { messages: [make(one)] };
  const nodes = nodesOf(md);
  if (nodes.length === 0) return { messages: [make("")] };
  return {
    messages: nodes.map((node) =>
      node === DEAD_NODE
        ? {
            metadata: {
              hostname: node,
              error: "rpc error: code = Unavailable desc = connection refused",
              status: { code: 14, message: "connection refused" },
            },
          }
        : { ...make(node), metadata: { hostname: node } },
    ),
  };
}

function versionHandler(calls: { node: string | undefined; nodes: string[] }[] = []) {
  return (call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => {
    calls.push({ node: nodeOf(call.metadata), nodes: nodesOf(call.metadata) });
    proxied(
      call.metadata,
      cb as never,
      () => ({ version: { tag: "v1.13.9", arch: "amd64" }, platform: { name: "metal", mode: "metal" } }),
      [DEAD_NODE],
    );
  };
}

describe("mTLS, node targeting and per-node results", () => {
  it("fans out client-side, one call per node with the `node` header, and reports one dead node as a per-node error", async () => {
    const calls: { node: string | undefined; nodes: string[] }[] = [];
    const s = await serve({ "machine.MachineService": { Version: versionHandler(calls) } });
    const results = await client([s.endpoint]).version(["10.5.0.2", DEAD_NODE, "10.5.0.3"]);
    // never the deprecated one-to-many `nodes` header; the dead node's call is retried (it is idempotent)
    expect(calls.every((c) => c.nodes.length === 0)).toBe(true);
    expect([...new Set(calls.map((c) => c.node))].sort()).toEqual(["10.5.0.2", "10.5.0.3", DEAD_NODE].sort());
    expect(results.map((r) => [r.node, r.ok])).toEqual([
      ["10.5.0.2", true],
      [DEAD_NODE, false],
      ["10.5.0.3", true],
    ]);
    const dead = results[1]!;
    expect(!dead.ok && dead.error).toBeInstanceOf(TalosNodeError);
    expect(!dead.ok && dead.error.message).toContain("connection refused");
    const ok = results[0]!;
    expect(ok.ok && ok.value.version?.tag).toBe("v1.13.9");
  });

  it("names replies without hostname after the endpoint when no nodes are given", async () => {
    const s = await serve({ "machine.MachineService": { Version: versionHandler() } });
    const [r] = await client([s.endpoint]).version();
    expect(r).toMatchObject({ ok: true, node: "127.0.0.1" });
  });

  it("maps PERMISSION_DENIED from a reader certificate to TalosPermissionDeniedError", async () => {
    const s = await serve({
      "machine.MachineService": {
        Reset: (call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => {
          if (!peerRoles(call as never).includes("os:admin"))
            return cb({ code: status.PERMISSION_DENIED, details: "not authorized" });
          cb(null, { messages: [{}] });
        },
      },
    });
    await expect(client([s.endpoint], "reader").reset()).rejects.toBeInstanceOf(TalosPermissionDeniedError);
    await expect(client([s.endpoint], "admin").reset()).resolves.toHaveLength(1);
  });

  it("refuses a server whose certificate lacks the endpoint IP as SAN", async () => {
    const other = await makePki(["10.9.9.9"]);
    const s = await startFakeApid(
      { "machine.MachineService": { Version: versionHandler() } },
      { mode: "mtls", pki: { ...pki, server: other.server, ca: other.ca } },
    );
    running.push(s);
    const c = new TalosClient({
      endpoints: [s.endpoint],
      tls: { mode: "mtls", caPem: other.ca.certPem, certPem: pki.admin.certPem, keyPem: pki.admin.keyPem },
      connectTimeoutMs: 3000,
      retry: { attempts: 1 },
    });
    clients.push(c);
    await expect(c.version()).rejects.toBeInstanceOf(TalosCertificateError);
  });
});

describe("failover and retries", () => {
  it("fails over from a dead endpoint to a live one", async () => {
    const s = await serve({ "machine.MachineService": { Version: versionHandler() } });
    const dead = `127.0.0.1:${await deadPort()}`;
    const results = await client([dead, s.endpoint]).version(["10.5.0.2"]);
    expect(results[0]).toMatchObject({ ok: true, node: "10.5.0.2" });
  });

  it("retries UNAVAILABLE with backoff for idempotent calls", async () => {
    let n = 0;
    const s = await serve({
      "machine.MachineService": {
        Version: (call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => {
          if (++n < 3) return cb({ code: status.UNAVAILABLE, details: "etcd is starting" });
          versionHandler()(call, cb);
        },
      },
    });
    const sleeps: number[] = [];
    const c = client([s.endpoint], "admin", { sleep: async (ms) => void sleeps.push(ms) });
    const results = await c.version();
    expect(n).toBe(3);
    expect(results[0]!.ok).toBe(true);
    expect(sleeps).toEqual([10, 20]);
  });

  it("does not repeat a mutating call on UNAVAILABLE", async () => {
    let n = 0;
    const s = await serve({
      "machine.MachineService": {
        Reboot: (_call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => {
          n++;
          cb({ code: status.UNAVAILABLE, details: "going down" });
        },
      },
    });
    await expect(client([s.endpoint]).reboot()).rejects.toBeInstanceOf(TalosUnreachableError);
    expect(n).toBe(1);
  });

  it("gives TalosUnreachableError when no endpoint answers", async () => {
    const c = client([`127.0.0.1:${await deadPort()}`], "admin", {
      retry: { attempts: 2, initialDelayMs: 1 },
    });
    await expect(c.version()).rejects.toBeInstanceOf(TalosUnreachableError);
  });
});

describe("streams", () => {
  it("streams an etcd snapshot in order", async () => {
    const chunks = [Buffer.alloc(70_000, 1), Buffer.alloc(70_000, 2), Buffer.from("tail")];
    let target: string[] = [];
    const s = await serve({
      "machine.MachineService": {
        EtcdSnapshot: (call: ServerWritableStream<unknown, unknown>) => {
          target = [...nodesOf(call.metadata), ...call.metadata.get("node").map(String)];
          for (const bytes of chunks) call.write({ bytes, metadata: { hostname: "10.5.0.2" } });
          call.end();
        },
      },
    });
    const got: Buffer[] = [];
    for await (const b of client([s.endpoint]).etcdSnapshot("10.5.0.2")) got.push(b);
    expect(target).toEqual(["10.5.0.2"]);
    expect(Buffer.concat(got).equals(Buffer.concat(chunks))).toBe(true);
  });

  it("throws a per-node error that arrives inside a stream", async () => {
    const s = await serve({
      "machine.MachineService": {
        EtcdSnapshot: (call: ServerWritableStream<unknown, unknown>) => {
          call.write({ metadata: { hostname: "10.5.0.2", error: "etcd not running" } });
          call.end();
        },
      },
    });
    const iterate = async () => {
      for await (const _ of client([s.endpoint]).etcdSnapshot("10.5.0.2")) void _;
    };
    await expect(iterate()).rejects.toBeInstanceOf(TalosNodeError);
  });

  it("extracts the kubeconfig from Talos' unterminated tar.gz", async () => {
    const kubeconfig = "apiVersion: v1\nkind: Config\nclusters: []\n" + "x".repeat(700);
    const s = await serve({
      "machine.MachineService": {
        Kubeconfig: (call: ServerWritableStream<unknown, unknown>) => {
          call.write({ bytes: gzipSync(unterminatedTar("kubeconfig", Buffer.from(kubeconfig))) });
          call.end();
        },
      },
    });
    const got = await client([s.endpoint]).kubeconfig("10.5.0.2");
    expect(got.toString()).toBe(kubeconfig);
  });

  it("uploads a snapshot over the EtcdRecover client stream", async () => {
    let received = Buffer.alloc(0);
    const s = await serve({
      "machine.MachineService": {
        EtcdRecover: (call: ServerReadableStream<unknown, unknown>, cb: sendUnaryData<unknown>) => {
          call.on("data", (d: T.Data) => (received = Buffer.concat([received, Buffer.from(d.bytes)])));
          call.on("end", () => cb(null, { messages: [{ metadata: { hostname: "10.5.0.2" } }] }));
        },
      },
    });
    const parts = [Buffer.alloc(100_000, 7), Buffer.alloc(5, 8)];
    const res = await client([s.endpoint]).etcdRecover(parts, "10.5.0.2");
    expect(res[0]!.ok).toBe(true);
    expect(received.equals(Buffer.concat(parts))).toBe(true);
  });

  it("decodes event payloads and streams health progress until EOF", async () => {
    const s = await serve({
      "machine.MachineService": {
        Events: (call: ServerWritableStream<unknown, unknown>) => {
          call.write({
            id: "e1",
            data: encodeAny("machine.MachineStatusEvent", { stage: "RUNNING", status: { ready: true } }),
          });
          call.end();
        },
      },
      "cluster.ClusterService": {
        HealthCheck: (call: ServerWritableStream<unknown, unknown>) => {
          call.write({ message: "waiting for etcd to be healthy: OK" });
          call.write({ message: "all k8s nodes to report ready: OK" });
          call.end();
        },
      },
    });
    const c = client([s.endpoint]);
    const events = [];
    for await (const e of c.events()) events.push(e);
    expect(events[0]).toMatchObject({
      type: "machine.MachineStatusEvent",
      payload: { stage: "RUNNING", status: { ready: true } },
    });
    const messages = [];
    for await (const p of c.healthCheck({}, "10.5.0.2")) messages.push(p.message);
    expect(messages).toHaveLength(2);
  });
});

describe("COSI", () => {
  it("uses the single `node` header and parses yaml_spec", async () => {
    let md: { node: unknown[]; nodes: unknown[] } = { node: [], nodes: [] };
    const s = await serve({
      "cosi.resource.State": {
        Get: (call: ServerUnaryCall<T.GetRequest, unknown>, cb: sendUnaryData<unknown>) => {
          md = { node: call.metadata.get("node"), nodes: call.metadata.get("nodes") };
          expect(call.request).toMatchObject({
            namespace: "runtime",
            type: "MachineStatuses.runtime.talos.dev",
            id: "machine",
          });
          cb(null, {
            resource: {
              metadata: {
                namespace: "runtime",
                type: "MachineStatuses.runtime.talos.dev",
                id: "machine",
                version: "3",
              },
              spec: { yaml_spec: "stage: running\nstatus:\n    ready: true\n" },
            },
          });
        },
        List: (call: ServerWritableStream<T.ListRequest, unknown>) => {
          for (const id of ["a", "b"])
            call.write({
              resource: {
                metadata: { id, type: call.request.type },
                spec: { yaml_spec: `nodeId: ${id}\nhostname: h-${id}\nmachineType: controlplane\n` },
              },
            });
          call.end();
        },
      },
    });
    const c = client([s.endpoint]);
    const ms = await c.machineStatus("10.5.0.2");
    expect(md).toEqual({ node: ["10.5.0.2"], nodes: [] });
    expect(ms.spec).toEqual({ stage: "running", status: { ready: true } });
    const members = await c.members("10.5.0.2");
    expect(members.map((m) => m.spec.hostname)).toEqual(["h-a", "h-b"]);
  });
});

describe("upgrade", () => {
  it("falls back to MachineService/Upgrade when LifecycleService is unimplemented", async () => {
    const legacy: T.UpgradeRequest[] = [];
    const s = await serve({
      "machine.MachineService": {
        Upgrade: (call: ServerUnaryCall<T.UpgradeRequest, unknown>, cb: sendUnaryData<unknown>) => {
          legacy.push(call.request);
          cb(
            null,
            fanOut(call.metadata, () => ({ ack: "Upgrade request received" })),
          );
        },
      },
    });
    const res = await client([s.endpoint]).upgrade("factory.talos.dev/installer/abc:v1.12.11", {}, [
      "10.5.0.2",
    ]);
    expect(res).toEqual([{ node: "10.5.0.2", api: "legacy", ok: true, ack: "Upgrade request received" }]);
    expect(legacy[0]).toMatchObject({ image: "factory.talos.dev/installer/abc:v1.12.11", stage: false });
  });

  it("uses pull + LifecycleService/Upgrade + reboot on 1.13", async () => {
    const seen: string[] = [];
    const s = await serve({
      "machine.ImageService": {
        Pull: (call: ServerWritableStream<T.ImageServicePullRequest, unknown>) => {
          seen.push(`pull ${call.request.image_ref} node=${call.metadata.get("node").join()}`);
          call.write({ name: call.request.image_ref });
          call.end();
        },
      },
      "machine.LifecycleService": {
        Upgrade: (call: ServerWritableStream<T.LifecycleServiceUpgradeRequest, unknown>) => {
          seen.push(`upgrade ${call.request.source?.image_name} ns=${call.request.containerd?.namespace}`);
          call.write({ progress: { message: "installing" } });
          call.write({ progress: { exit_code: 0 } });
          call.end();
        },
      },
      "machine.MachineService": {
        Reboot: (call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => {
          seen.push(`reboot ${nodeOf(call.metadata)}`);
          cb(
            null,
            fanOut(call.metadata, () => ({})),
          );
        },
      },
    });
    const progress: string[] = [];
    const res = await client([s.endpoint]).upgrade(
      "ghcr.io/siderolabs/installer:v1.13.9",
      { onProgress: (_n, m) => progress.push(m) },
      ["10.5.0.2"],
    );
    expect(res).toEqual([{ node: "10.5.0.2", api: "lifecycle", ok: true }]);
    expect(seen).toEqual([
      "pull ghcr.io/siderolabs/installer:v1.13.9 node=10.5.0.2",
      "upgrade ghcr.io/siderolabs/installer:v1.13.9 ns=NS_SYSTEM",
      "reboot 10.5.0.2",
    ]);
    expect(progress).toContain("installing");
  });
});

describe("maintenance mode (--insecure)", () => {
  it("shows the certificate fingerprint, pins it, and types the maintenance Unimplemented reply", async () => {
    const cert = await makeMaintenanceCert();
    const applied: T.ApplyConfigurationRequest[] = [];
    const s = await startFakeApid(
      {
        "machine.MachineService": {
          ApplyConfiguration: (
            call: ServerUnaryCall<T.ApplyConfigurationRequest, unknown>,
            cb: sendUnaryData<unknown>,
          ) => {
            applied.push(call.request);
            cb(null, {
              messages: [{ mode: call.request.mode, mode_details: "Applied configuration without a reboot" }],
            });
          },
          Version: (_call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) =>
            cb(UNIMPLEMENTED_IN_MAINTENANCE),
        },
      },
      { mode: "maintenance", certPem: cert.certPem, keyPem: cert.keyPem },
    );
    running.push(s);
    const seen: string[] = [];
    const ok = TalosClient.insecure({
      endpoints: [s.endpoint],
      fingerprint: cert.fingerprint,
      onFingerprint: (_e, fp) => seen.push(fp),
      retry: { attempts: 1 },
    });
    clients.push(ok);
    const res = await ok.applyConfiguration("version: v1alpha1\n", { mode: "auto", dryRun: true });
    expect(res[0]).toMatchObject({ ok: true, node: "127.0.0.1" });
    expect(applied[0]).toMatchObject({ mode: "AUTO", dry_run: true });
    expect(Buffer.from(applied[0]!.data).toString()).toBe("version: v1alpha1\n");
    expect(seen).toEqual([cert.fingerprint]);
    await expect(ok.version()).rejects.toBeInstanceOf(TalosMaintenanceModeError);

    const pinnedWrong = TalosClient.insecure({
      endpoints: [s.endpoint],
      fingerprint: "AAAA" + cert.fingerprint.slice(4),
      retry: { attempts: 1 },
    });
    clients.push(pinnedWrong);
    const err = await pinnedWrong.applyConfiguration("x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TalosCertificateError);
    expect((err as TalosCertificateError).observedFingerprint).toBe(cert.fingerprint);
    expect(applied).toHaveLength(1);
  });
});

describe("lenient tar", () => {
  it("reads an entry that is not padded and has no trailer", () => {
    const tar = unterminatedTar("kubeconfig", Buffer.from("abc"));
    expect(tar.length).toBe(515);
    expect(readTarLenient(tar)).toEqual([{ name: "kubeconfig", mode: 0o600, data: Buffer.from("abc") }]);
  });
});

/** What Talos produces: a ustar header and the file bytes, without padding or end-of-archive blocks. */
function unterminatedTar(name: string, data: Buffer): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, "utf8");
  h.write("0000600\0", 100);
  h.write("0000000\0", 108);
  h.write("0000000\0", 116);
  h.write(data.length.toString(8).padStart(11, "0") + "\0", 124);
  h.write("00000000000\0", 136);
  h.write("        ", 148);
  h.write("0", 156);
  h.write("ustar\0", 257);
  h.write("00", 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return Buffer.concat([h, data]);
}
