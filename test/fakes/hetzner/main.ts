// The simulated Hetzner Cloud API as a process:
//   node --import ./test/fakes/register.mjs test/fakes/hetzner/main.ts [--port 0] [--token T] [--action-ms 200]
//     [--action-ms-json '{"create_server":1000}'] [--rate-limit 3600] [--refill-per-second 1]
//     [--unavailable cx23@fsn1,…] [--public-base 203.0.113.10] [--twin-address private|public] [--state-dir DIR]
//     [--twin [--talos-version v1.11.5] [--reboot-ms 500] [--assign-addresses] [--apply-user-data]] [--faults JSON]
// It listens on http://127.0.0.1 and prints one JSON line on stdout:
//   {"kind":"hetzner","simulated":true,"url":…,"endpoint":"http://127.0.0.1:PORT/v1","token":…,"pid":…}
// Point clients at it with HCLOUD_ENDPOINT=<endpoint> HCLOUD_TOKEN=<token>. Admin endpoints (no auth, loopback):
// GET /_fake/log[?since=N], /_fake/state, /_fake/twin; POST /_fake/faults {rules:[…]}, DELETE /_fake/faults,
// POST /_fake/config {actionMs, actionMsBy, rateLimit, bucket, refillPerSecond, unavailable},
// POST /_fake/servers/{id}/rescue-exec {script} (the rescue system's shell), POST /_fake/stop.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { TwinHost, intArg, parseArgs } from "../common/fake.js";
import { HcloudSchema } from "./schema.js";
import { HcloudFake } from "./server.js";

const args = parseArgs(process.argv.slice(2));
const reference = fileURLToPath(
  new URL("../../../../shared/reference/hetzner/openapi.json", import.meta.url),
);
// A state directory the fake made itself is removed when it exits (a given one is the caller's to keep).
const ownStateDir = args["state-dir"] === undefined;
const stateDir = args["state-dir"] ?? mkdtempSync(join(tmpdir(), "cairn-fake-hcloud-"));
mkdirSync(stateDir, { recursive: true, mode: 0o700 });

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

const token = args.token ?? randomBytes(32).toString("hex");
const twinAddress = (args["twin-address"] ?? "public") as "private" | "public";
if (twinAddress !== "private" && twinAddress !== "public")
  throw new Error("--twin-address must be private or public");
const fake = new HcloudFake({
  schema: new HcloudSchema(args.reference ?? reference),
  token,
  actionMs: intArg(args, "action-ms", 200),
  actionMsBy: args["action-ms-json"] ? (JSON.parse(args["action-ms-json"]) as Record<string, number>) : {},
  rateLimit: intArg(args, "rate-limit", 3600),
  refillPerSecond: intArg(args, "refill-per-second", 1),
  unavailable: (args.unavailable ?? "").split(",").filter((x) => x),
  twinAddress,
  publicBase: args["public-base"] ?? "203.0.113.10",
  twin,
  defaultTalosVersion: args["talos-version"] ?? "v1.13.9",
});
const faults = args.faults ?? process.env.CAIRN_FAKE_FAULTS;
if (faults) fake.faults.add(JSON.parse(faults) as never[]);

const server = createServer((req, res) => void fake.handle(req, res));
let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  server.closeAllConnections();
  server.close();
  fake.close();
  await twin.stop();
  process.exit(0);
};
fake.onStop = () => void stop();
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
server.listen(intArg(args, "port", 0), args.host ?? "127.0.0.1", () => {
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  const url = `http://127.0.0.1:${port}`;
  process.stdout.write(
    `${JSON.stringify({ kind: "hetzner", simulated: true, url, endpoint: `${url}/v1`, token, stateDir, pid: process.pid })}\n`,
  );
});
