// The Kubernetes client over a kept-alive connection the server has dropped (a restarted kube-apiserver, an idle
// timeout racing the next request): the request never reached the server, so the client sends it again on a fresh
// connection instead of calling the API unreachable. An answer cut off half-way is not retried.
import { createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { KubeClient, KubeUnreachable } from "../../src/kube/index.js";
import { createSelfSignedCA, issueCertificate, nodeCompatibleKeyPem } from "../../src/talos/pki/index.js";

let server: Server;
let port = 0;
let caPem = "";
let clientCert = { certPem: "", keyPem: "" };
/** What the server does with the next request that arrives on an already used connection. */
let onReused: "drop" | "cut" | "answer" = "answer";
const served = new WeakMap<Socket, number>();
let answered = 0;

beforeAll(async () => {
  const ca = await createSelfSignedCA({
    algorithm: "ecdsa-p256",
    subject: { commonName: "kubernetes" },
    now: new Date(),
    ttlMs: 3_600_000,
  });
  const leaf = await issueCertificate(ca, {
    subject: { commonName: "kube-apiserver" },
    keyUsage: ["digitalSignature"],
    extKeyUsage: ["serverAuth"],
    dnsNames: [],
    ipAddresses: ["127.0.0.1"],
    now: new Date(),
    ttlMs: 3_600_000,
  });
  const admin = await issueCertificate(ca, {
    subject: { commonName: "admin", organization: ["system:masters"] },
    keyUsage: ["digitalSignature"],
    extKeyUsage: ["clientAuth"],
    dnsNames: [],
    ipAddresses: [],
    now: new Date(),
    ttlMs: 3_600_000,
  });
  caPem = ca.certPem;
  clientCert = { certPem: admin.certPem, keyPem: nodeCompatibleKeyPem(admin.keyPem) };
  server = createServer({ cert: leaf.certPem, key: nodeCompatibleKeyPem(leaf.keyPem) }, (req, res) => {
    const n = served.get(req.socket) ?? 0;
    served.set(req.socket, n + 1);
    if (n > 0 && onReused === "drop") return req.socket.destroy();
    if (n > 0 && onReused === "cut") {
      res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
      res.write('{"kind":');
      return setTimeout(() => req.socket.destroy(), 20);
    }
    answered++;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ kind: "NodeList", items: [] }));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const client = (): KubeClient =>
  new KubeClient(
    {
      server: `https://127.0.0.1:${port}`,
      caPem,
      certPem: clientCert.certPem,
      keyPem: clientCert.keyPem,
      context: "test",
    },
    { timeoutMs: 3000 },
  );

describe("KubeClient on a dropped kept-alive connection", () => {
  test("a request the server never saw is sent again on a fresh connection", async () => {
    onReused = "drop";
    const kube = client();
    answered = 0;
    await kube.list("/api/v1/nodes");
    // The second request goes out on the first one's socket, which the server drops unanswered.
    const second = await kube.list("/api/v1/nodes");
    kube.close();
    expect(second.items).toEqual([]);
    expect(answered).toBe(2);
  });

  test("an answer cut off half-way is an error, not a silent second request", async () => {
    onReused = "cut";
    const kube = client();
    answered = 0;
    await kube.list("/api/v1/nodes");
    const e = await kube.list("/api/v1/nodes").catch((x: unknown) => x);
    kube.close();
    expect(e).toBeInstanceOf(KubeUnreachable);
    expect(answered).toBe(1);
  });
});
