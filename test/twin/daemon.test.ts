// The twin daemon through the real CLI from dist/: `twin up` returns once every node listens, `status --output
// json` and `fault` talk to it, and `twin down` leaves no cairn or etcd process behind.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, test } from "vitest";
import { down, processGroupMembers } from "../../src/twin/daemon.js";
import * as etcd from "../../src/twin/etcd.js";
import type { TwinStatus } from "../../src/twin/twin.js";
import { REPO_ROOT } from "../helpers/shared.js";
import { status as status_ } from "../../src/twin/daemon.js";
import { clientCert, goldenConfig, goldenOsCa, MS, RawClient } from "./helpers.js";

const run = promisify(execFile);
const BIN = join(REPO_ROOT, "bin/cairn.js");
const SUBNET = "127.0.115.0/24";
let stateDir: string;

const cairn = async (...args: string[]): Promise<{ stdout: string; stderr: string }> =>
  run(process.execPath, [BIN, ...args, "--state-dir", stateDir], { timeout: 60_000 });

beforeAll(() => {
  stateDir = mkdtempSync(join(tmpdir(), "cairn-twin-daemon-"));
  // The daemon runs from dist/, as an installed cairn would (global-setup.ts keeps it current).
}, 120_000);

afterAll(async () => {
  await down(stateDir).catch(() => undefined);
  rmSync(stateDir, { recursive: true, force: true });
});

test("up, status, fault, down", async () => {
  const t0 = Date.now();
  const upOut = await cairn(
    "twin",
    "up",
    "--controlplanes",
    "1",
    "--workers",
    "1",
    "--subnet",
    SUBNET,
    "--reboot-duration",
    "200ms",
  );
  const upMs = Date.now() - t0;
  expect(upOut.stdout).toContain("twin (simulated)");
  expect(upOut.stdout).toMatch(/cp-1\s+controlplane\s+127\.0\.115\.1\s+maintenance/);
  expect(upOut.stdout).toMatch(/[A-Za-z0-9+/]{43}=/);
  expect(upMs).toBeLessThan(30_000);

  const { stdout } = await cairn("twin", "status", "--output", "json");
  const status = JSON.parse(stdout) as TwinStatus;
  expect(status.simulated).toBe(true);
  expect(status.nodes.map((n) => n.address)).toEqual(["127.0.115.1", "127.0.115.2"]);
  expect(status.nodes.every((n) => n.listening)).toBe(true);

  // Drive the daemon's nodes over the network like any client would, so it runs a real etcd member.
  const poll = async (what: string, check: (s: TwinStatus) => boolean): Promise<void> => {
    const deadline = Date.now() + 30_000;
    while (!check(await status_(stateDir))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  for (const n of status.nodes) {
    const c = new RawClient(n.address, { kind: "insecure" });
    await c.unary(`${MS}ApplyConfiguration`, {
      data: Buffer.from(goldenConfig(n.plannedRole)),
      mode: "AUTO",
    });
    c.close();
  }
  await poll("normal mode", (s) => s.nodes.every((n) => n.mode === "normal" && n.stage === "running"));
  const admin = new RawClient("127.0.115.1", {
    kind: "mtls",
    ca: goldenOsCa().crt,
    cert: await clientCert(["os:admin"]),
  });
  await admin.unary(`${MS}Bootstrap`, {});
  admin.close();
  await poll("etcd and a ready worker", (s) => s.nodes[0]!.etcd.running && s.nodes.every((n) => n.ready));

  await expect(cairn("twin", "fault", "cp-9", "crash")).rejects.toMatchObject({
    stderr: expect.stringContaining('no node "cp-9"'),
  });
  const f = await cairn("twin", "fault", "worker-1", "slow-reboot=3s");
  expect(f.stdout).toContain("slow-reboot");

  const info = JSON.parse((await run("cat", [join(stateDir, "daemon.json")])).stdout) as { pid: number };
  expect(processGroupMembers(info.pid).length).toBeGreaterThanOrEqual(2); // daemon + etcd
  const d = await cairn("twin", "down");
  expect(d.stdout).toContain("no twin or etcd process left");
  expect(processGroupMembers(info.pid)).toEqual([]);
  await expect(etcd.status("127.0.115.1")).rejects.toThrow();
  await expect(cairn("twin", "status")).rejects.toMatchObject({
    stderr: expect.stringContaining("no twin is running"),
  });
}, 90_000);
