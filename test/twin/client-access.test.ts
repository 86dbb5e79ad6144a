// Who may talk to a configured twin through the project's client, with credentials from src/talos/talosconfig.ts and
// src/talos/pki: an os:reader certificate reads but is refused ApplyConfiguration, a certificate from another CA
// and one with serverAuth+clientAuth never get a call through, and a `nodes` fan-out over five nodes with one
// crashed gives four answers and one per-node error.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  TalosClientCertificateRefusedError,
  TalosNodeError,
  TalosPermissionDeniedError,
} from "../../src/talos/api/errors.js";
import type { TalosconfigContext } from "../../src/talos/talosconfig.js";
import { startTwin, type Twin } from "../../src/twin/twin.js";
import {
  applyAll,
  foreignTalosconfig,
  mtls,
  talosconfig,
  talosconfigWithUsages,
  waitNormal,
} from "./client-fixtures.js";
import { goldenConfig } from "./helpers.js";

const SUBNET = "127.0.122.0/24";
let twin: Twin;
let dir: string;
let all: string[];
let cp1: string;
let admin: TalosconfigContext;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cairn-client-access-"));
  twin = await startTwin({
    controlplanes: 3,
    workers: 2,
    subnet: SUBNET,
    rebootMs: 300,
    stateDir: join(dir, "twin"),
  });
  all = twin.nodes.map((n) => n.address);
  cp1 = all[0]!;
  admin = await talosconfig(["os:admin"], [cp1]);
  await applyAll(twin);
  await waitNormal(admin, all);
}, 60_000);

afterAll(async () => {
  await twin?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The calls a node served since `from` (its call log), for "nothing got through" checks. */
const servedSince = (from: number): string[] => twin.nodes[0]!.log.slice(from).map((r) => r.method);

describe.sequential("access to a configured twin", () => {
  test("an os:reader certificate reads but is refused ApplyConfiguration", async () => {
    const reader = await talosconfig(["os:reader"], [cp1]);
    const c = mtls(reader);
    try {
      const v = await c.version([cp1]);
      expect(v[0]?.ok).toBe(true);
      const before = twin.nodes[0]!.config;
      // Through the one-to-one `node` header the target refuses it; every target refused alike, so the client
      // throws the typed error (with its hint) as a single call would.
      await expect(
        c.applyConfiguration(goldenConfig("controlplane"), { mode: "no-reboot" }, [cp1]),
      ).rejects.toBeInstanceOf(TalosPermissionDeniedError);
      expect(twin.nodes[0]!.config).toBe(before);
      // Without a node header, the endpoint itself refuses: the typed error.
      await expect(
        c.applyConfiguration(goldenConfig("controlplane"), { mode: "no-reboot" }),
      ).rejects.toBeInstanceOf(TalosPermissionDeniedError);
      await expect(c.bootstrap()).rejects.toBeInstanceOf(TalosPermissionDeniedError);
      await expect(c.machineConfig()).rejects.toBeInstanceOf(TalosPermissionDeniedError);
    } finally {
      c.close();
    }
  });

  test("a client certificate from another CA is refused", async () => {
    const foreign = await foreignTalosconfig([cp1]);
    const from = twin.nodes[0]!.log.length;
    const c = mtls(foreign);
    try {
      const err = await c.version().then(
        () => undefined,
        (e: unknown) => e,
      );
      // The node tears the connection down right after the handshake: a refusal, not an unreachable node.
      expect(err).toBeInstanceOf(TalosClientCertificateRefusedError);
      expect((err as Error).message).toMatch(/refused cairn's client certificate/);
    } finally {
      c.close();
    }
    expect(servedSince(from)).toEqual([]);
  });

  test("a client certificate with serverAuth+clientAuth is refused; exactly clientAuth is accepted", async () => {
    const both = await talosconfigWithUsages(["serverAuth", "clientAuth"], [cp1]);
    const from = twin.nodes[0]!.log.length;
    const c = mtls(both);
    try {
      const err = await c.version().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TalosClientCertificateRefusedError);
    } finally {
      c.close();
    }
    expect(servedSince(from)).toEqual([]);
    const good = mtls(await talosconfigWithUsages(["clientAuth"], [cp1]));
    try {
      expect((await good.version())[0]?.ok).toBe(true);
    } finally {
      good.close();
    }
  });

  test("nodes fan-out over five nodes with one crashed: four answers and one per-node error", async () => {
    const crashed = twin.nodes[3]!;
    await twin.fault(crashed.name, { kind: "crash" });
    const c = mtls(admin);
    try {
      const r = await c.version(all);
      expect(r).toHaveLength(5);
      const ok = r.filter((x) => x.ok);
      expect(ok.map((x) => x.node).sort()).toEqual(all.filter((a) => a !== crashed.address).sort());
      expect(ok.every((x) => x.ok && x.value.version?.tag === twin.talosVersion)).toBe(true);
      const failed = r.filter((x) => !x.ok);
      expect(failed).toHaveLength(1);
      const f = failed[0]!;
      expect(f.node).toBe(crashed.address);
      expect(f.ok ? undefined : f.error).toBeInstanceOf(TalosNodeError);
      expect(f.ok ? "" : f.error.message).toMatch(/connection refused|Unavailable|unavailable/i);
      // The same through another endpoint: any node forwards.
      const viaWorker = mtls(admin, [all[4]!]);
      try {
        const r2 = await viaWorker.version(all);
        expect(r2.filter((x) => x.ok)).toHaveLength(4);
        expect(r2.filter((x) => !x.ok).map((x) => x.node)).toEqual([crashed.address]);
      } finally {
        viaWorker.close();
      }
    } finally {
      c.close();
      await twin.fault(crashed.name, { kind: "heal" });
    }
  });
});
