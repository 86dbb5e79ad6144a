// Stopping the simulated kube-apiserver drops every connection, as the real process's exit does, so the twin can
// start the next one at once (a Kubernetes upgrade restarts it). A client caught in its TLS handshake at that moment
// used to keep the old server from ever closing: the restart never listened and every new client was refused.
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSelfSignedCA, issueCertificate, nodeCompatibleKeyPem } from "../../src/talos/pki/index.js";
import { KubeApiServer } from "../../src/twin/kube/apiserver.js";
import { EtcdKv } from "../../src/twin/kube/etcd-kv.js";
import { ObjectStore } from "../../src/twin/kube/store.js";

// No etcd behind it: starting and stopping the server never reads the store.
const ADDRESS = "127.0.172.1";
const PORT = 6443;
let tls = { cert: "", key: "", ca: "" };

beforeAll(async () => {
  const now = new Date();
  const ca = await createSelfSignedCA({
    algorithm: "ecdsa-p256",
    subject: { commonName: "kubernetes" },
    now,
  });
  const leaf = await issueCertificate(ca, {
    subject: { commonName: "kube-apiserver" },
    keyUsage: ["digitalSignature"],
    extKeyUsage: ["serverAuth"],
    ipAddresses: [ADDRESS],
    now,
    ttlMs: 3_600_000,
  });
  tls = { cert: leaf.certPem, key: nodeCompatibleKeyPem(leaf.keyPem), ca: ca.certPem };
});

const servers: KubeApiServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

function apiServer(): KubeApiServer {
  const s = new KubeApiServer({
    address: ADDRESS,
    port: PORT,
    cert: tls.cert,
    key: tls.key,
    clientCa: tls.ca,
    store: new ObjectStore(new EtcdKv(ADDRESS)),
    kubernetesVersion: "1.35.4",
  });
  servers.push(s);
  return s;
}

describe("the simulated kube-apiserver stopping", () => {
  it("drops a connection still in its TLS handshake, and the next server listens on the same port at once", async () => {
    const first = apiServer();
    await first.start();
    // A TCP connection that never sends its ClientHello: to the server it is a handshake under way.
    const socket: Socket = await new Promise((resolve, reject) => {
      const s = connect(PORT, ADDRESS, () => resolve(s));
      s.once("error", reject);
    });
    const dropped = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    const stopped = await Promise.race([
      first.stop().then(() => "stopped"),
      new Promise((r) => setTimeout(() => r("still stopping after 3 s"), 3000)),
    ]);
    expect(stopped).toBe("stopped");
    await dropped;
    const second = apiServer();
    await second.start();
    expect(second.listening).toBe(true);
  });
});
