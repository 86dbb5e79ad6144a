// The simulated Proxmox VE API as a process:
//   node --import ./test/fakes/register.mjs test/fakes/proxmox/main.ts [--port 0] [--pve 8.4|9.1]
//     [--nodes pve1,pve2] [--token-id root@pam!cairn] [--token-secret S] [--task-ms 200] [--import-content false]
//     [--storages name:type:content+content[:shared],…] [--state-dir DIR] [--twin [--talos-version v1.11.5] [--reboot-ms 500] [--assign-addresses] [--apply-user-data]]
//     [--faults JSON]
// It listens on https://127.0.0.1 (self-signed CA in DIR/ca.pem) and prints one JSON line on stdout:
//   {"kind":"proxmox","simulated":true,"url":…,"fingerprint":…,"caFile":…,"tokenId":…,"tokenSecret":…,"pid":…}
// Admin endpoints (no auth, loopback): GET /_fake/log[?since=N], /_fake/state, /_fake/twin,
// /_fake/unchecked-formats; POST /_fake/faults {rules:[…]}, DELETE /_fake/faults, POST /_fake/config {taskMs},
// POST /_fake/stop. SIGTERM stops it and every twin node it booted.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadPki } from "../common/dist.js";
import { TwinHost, intArg, parseArgs } from "../common/fake.js";
import { PveSchema } from "./schema.js";
import { PveFake, parseStorages } from "./server.js";

const args = parseArgs(process.argv.slice(2));
const version = (args.pve ?? "8.4") as "8.4" | "9.1";
if (version !== "8.4" && version !== "9.1") throw new Error("--pve must be 8.4 or 9.1");
const reference = fileURLToPath(new URL("../../../../shared/reference/proxmox/", import.meta.url));
const schemaFile = join(
  args["reference-dir"] ?? reference,
  version === "8.4" ? "apidoc.json" : "apidoc-pve9.json",
);
// A state directory the fake made itself is removed when it exits (a given one is the caller's to keep).
const ownStateDir = args["state-dir"] === undefined;
const stateDir = args["state-dir"] ?? mkdtempSync(join(tmpdir(), "cairn-fake-pve-"));
mkdirSync(stateDir, { recursive: true, mode: 0o700 });
const nodes = (args.nodes ?? "pve1").split(",").filter((n) => n);

const pki = await loadPki();
const now = new Date();
const ca = await pki.createSelfSignedCA({
  algorithm: "ecdsa-p256",
  subject: {
    commonName: "Proxmox Virtual Environment (simulated)",
    organization: ["PVE Cluster Manager CA"],
  },
  now,
});
const leaf = await pki.issueCertificate(ca, {
  now,
  ttlMs: 365 * pki.DAY_MS,
  subject: { commonName: `${nodes[0]}.fake`, organization: ["PVE Cluster Node"] },
  keyUsage: ["digitalSignature", "keyEncipherment"],
  extKeyUsage: ["serverAuth"],
  dnsNames: ["localhost", ...nodes],
  ipAddresses: ["127.0.0.1", "::1"],
});
const caFile = join(stateDir, "ca.pem");
writeFileSync(caFile, ca.certPem);
const { X509Certificate } = await import("node:crypto");
const x = new X509Certificate(leaf.certPem);

const twin = new TwinHost({
  enabled: args.twin === "true",
  stateDir: join(stateDir, "twin"),
  ...(args["talos-version"] ? { talosVersion: args["talos-version"] } : {}),
  rebootMs: intArg(args, "reboot-ms", 500),
  assignAddresses: args["assign-addresses"] === "true",
  applyUserData: args["apply-user-data"] === "true",
});
await twin.start();
process.on("exit", () => {
  twin.killSync();
  if (ownStateDir) rmSync(stateDir, { recursive: true, force: true });
});

const token = {
  id: args["token-id"] ?? "root@pam!cairn",
  secret: args["token-secret"] ?? randomBytes(16).toString("hex"),
};
const fake = new PveFake({
  schema: new PveSchema(schemaFile),
  version,
  nodes,
  token,
  taskMs: intArg(args, "task-ms", 200),
  importContent: args["import-content"] !== "false",
  fingerprint: x.fingerprint256,
  certInfo: {
    subject: x.subject.replace(/\n/g, ", "),
    issuer: x.issuer.replace(/\n/g, ", "),
    notAfter: x.validTo,
    pem: leaf.certPem,
  },
  twin,
  defaultTalosVersion: args["talos-version"] ?? "v1.13.9",
  ...(args.storages ? { storages: parseStorages(args.storages) } : {}),
});
const faults = args.faults ?? process.env.CAIRN_FAKE_FAULTS;
if (faults) fake.faults.add(JSON.parse(faults) as never[]);

const server = createServer(
  { key: leaf.keyPem, cert: leaf.certPem },
  (req, res) => void fake.handle(req, res),
);
let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  server.closeAllConnections();
  server.close();
  await twin.stop();
  process.exit(0);
};
fake.onStop = () => void stop();
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
server.listen(intArg(args, "port", 0), args.host ?? "127.0.0.1", () => {
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  process.stdout.write(
    `${JSON.stringify({
      kind: "proxmox",
      simulated: true,
      url: `https://127.0.0.1:${port}`,
      fingerprint: x.fingerprint256,
      caFile,
      tokenId: token.id,
      tokenSecret: token.secret,
      pve: version,
      nodes,
      stateDir,
      pid: process.pid,
    })}\n`,
  );
});
