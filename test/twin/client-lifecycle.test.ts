// The project's Talos client (src/talos/api) against a 3 + 2 twin, end to end: maintenance mode (fingerprint shown
// and pinned, a wrong pin refused, every call but ApplyConfiguration answered with the typed maintenance error),
// bootstrap, three real etcd members, a snapshot etcdctl accepts, the kubeconfig download, and an Upgrade the
// refuse-upgrade fault turns into an A/B rollback that the version check reports.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TalosClient } from "../../src/talos/api/client.js";
import {
  TalosCertificateError,
  TalosMaintenanceModeError,
  TalosNodeError,
} from "../../src/talos/api/errors.js";
import { parseCertificate } from "../../src/talos/pki/index.js";
import type { TalosconfigContext } from "../../src/talos/talosconfig.js";
import { startTwin, type Twin } from "../../src/twin/twin.js";
import { applyAll, FAST, mtls, talosconfig, until, waitNormal } from "./client-fixtures.js";
import { goldenConfig } from "./helpers.js";

const SUBNET = "127.0.121.0/24";
const UPGRADE_IMAGE = "ghcr.io/siderolabs/installer:v1.13.10";
let twin: Twin;
let admin: TalosconfigContext;
let dir: string;
let all: string[];
let cp1: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cairn-client-lifecycle-"));
  twin = await startTwin({
    controlplanes: 3,
    workers: 2,
    subnet: SUBNET,
    rebootMs: 400,
    stateDir: join(dir, "twin"),
  });
  all = twin.nodes.map((n) => n.address);
  cp1 = all[0]!;
  admin = await talosconfig(["os:admin"], [cp1, all[1]!, all[2]!]);
});

afterAll(async () => {
  await twin?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.sequential("client against the twin", () => {
  test("maintenance mode: other calls answer the typed maintenance error; the fingerprint is shown", async () => {
    const seen: string[] = [];
    const c = TalosClient.insecure({ endpoints: [cp1], onFingerprint: (_e, fp) => seen.push(fp), ...FAST });
    try {
      await expect(c.version()).rejects.toBeInstanceOf(TalosMaintenanceModeError);
      await expect(c.bootstrap()).rejects.toBeInstanceOf(TalosMaintenanceModeError);
      await expect(c.etcdMemberList()).rejects.toBeInstanceOf(TalosMaintenanceModeError);
      await expect(c.serviceList()).rejects.toBeInstanceOf(TalosMaintenanceModeError);
      await expect(c.reboot()).rejects.toBeInstanceOf(TalosMaintenanceModeError);
      await expect(c.kubeconfig()).rejects.toBeInstanceOf(TalosMaintenanceModeError);
      await expect(
        (async () => {
          for await (const _ of c.etcdSnapshot()) void _;
        })(),
      ).rejects.toBeInstanceOf(TalosMaintenanceModeError);
      // Read-only COSI is served in maintenance mode.
      expect((await c.versions()).spec.version).toBe(twin.talosVersion);
    } finally {
      c.close();
    }
    expect(new Set(seen)).toEqual(new Set([twin.nodes[0]!.status().maintenanceFingerprint]));
    expect(seen[0]).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  test("a wrong fingerprint pin is refused before anything is sent", async () => {
    const node = twin.nodes[0]!;
    const calls = node.log.length;
    const wrong = Buffer.alloc(32, 7).toString("base64");
    const c = TalosClient.insecure({ endpoints: [cp1], fingerprint: wrong, ...FAST });
    try {
      const err = await c.applyConfiguration(goldenConfig("controlplane")).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TalosCertificateError);
      expect((err as TalosCertificateError).observedFingerprint).toBe(node.status().maintenanceFingerprint);
      expect((err as Error).message).toContain("does not match");
    } finally {
      c.close();
    }
    expect(node.log.length).toBe(calls);
    expect(node.mode).toBe("maintenance");
  });

  test("apply with the pinned fingerprints, then every node answers over mTLS", async () => {
    const seen = await applyAll(twin);
    for (const n of twin.nodes) expect(seen.get(n.address)).toBe(n.status().maintenanceFingerprint);
    await waitNormal(admin, all);
    const c = mtls(admin);
    try {
      const versions = await c.version(all);
      expect(versions.map((v) => v.node).sort()).toEqual([...all].sort());
      expect(versions.every((v) => v.ok && v.value.version?.tag === twin.talosVersion)).toBe(true);
    } finally {
      c.close();
    }
  }, 60_000);

  test("bootstrap: three real etcd members, and a second bootstrap is refused", async () => {
    const c = mtls(admin);
    try {
      const [b] = await c.bootstrap({}, [cp1]);
      expect(b?.ok).toBe(true);
      let members: string[] = [];
      await until(
        "three etcd members",
        async () => {
          const [r] = await c.etcdMemberList(false, [cp1]);
          if (!r?.ok) return false;
          members = r.value.members.filter((m) => !m.is_learner).map((m) => m.hostname);
          return members.length === 3;
        },
        45_000,
      );
      expect(members.sort()).toHaveLength(3);
      // Every control plane sees the same membership.
      const lists = await c.etcdMemberList(false, all.slice(0, 3));
      expect(lists.every((l) => l.ok && l.value.members.length === 3)).toBe(true);
      const again = await c.bootstrap({}, [cp1]).then(
        (r) => r[0]!,
        (e: unknown) => ({ ok: false as const, error: e as Error }),
      );
      expect(again.ok).toBe(false);
    } finally {
      c.close();
    }
  }, 60_000);

  test("an etcd snapshot streamed by the client passes etcdctl snapshot status", async () => {
    const c = mtls(admin);
    const parts: Buffer[] = [];
    try {
      for await (const chunk of c.etcdSnapshot(cp1)) parts.push(chunk);
    } finally {
      c.close();
    }
    const file = join(dir, "s.db");
    writeFileSync(file, Buffer.concat(parts), { mode: 0o600 });
    const out = execFileSync("etcdctl", ["snapshot", "status", file, "-w", "json"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 20_000,
    });
    const status = JSON.parse(out) as { hash: number; totalKey: number; totalSize: number };
    expect(status.totalKey).toBeGreaterThan(0);
    // etcdctl reports the bbolt size, which is the file less its trailing sha256.
    expect(status.totalSize + 32).toBe(Buffer.concat(parts).length);
  });

  test("the kubeconfig download parses as an admin kubeconfig from the config's Kubernetes CA", async () => {
    const c = mtls(admin);
    let text: string;
    try {
      text = (await c.kubeconfig(cp1)).toString("utf8");
    } finally {
      c.close();
    }
    type Kubeconfig = {
      apiVersion: string;
      kind: string;
      clusters: { name: string; cluster: { server: string; "certificate-authority-data": string } }[];
      users: { name: string; user: { "client-certificate-data": string; "client-key-data": string } }[];
      contexts: { name: string; context: { cluster: string; user: string } }[];
      "current-context": string;
    };
    const kc = parse(text) as Kubeconfig;
    expect(kc.apiVersion).toBe("v1");
    expect(kc.kind).toBe("Config");
    const cfg = parseAllDocuments(goldenConfig("controlplane"))[0]!.toJS() as {
      cluster: { controlPlane: { endpoint: string }; ca: { crt: string } };
    };
    expect(kc.clusters[0]!.cluster.server).toBe(cfg.cluster.controlPlane.endpoint);
    expect(kc.clusters[0]!.cluster["certificate-authority-data"]).toBe(cfg.cluster.ca.crt);
    expect(kc.contexts.map((x) => x.name)).toContain(kc["current-context"]);
    const user = kc.users[0]!.user;
    const cert = parseCertificate(Buffer.from(user["client-certificate-data"], "base64").toString("utf8"));
    expect(cert.subject.organization).toContain("system:masters");
    expect(Buffer.from(user["client-key-data"], "base64").toString("utf8")).toContain("PRIVATE KEY");
  });

  test("Upgrade with refuse-upgrade: the version check reports a rollback; a healthy node upgrades", async () => {
    const [w1, w2] = [twin.nodes[3]!, twin.nodes[4]!];
    await twin.fault(w2.name, { kind: "refuse-upgrade" });
    const c = mtls(admin);
    try {
      const before = await c.version([w1.address, w2.address]);
      const old = new Map(before.map((r) => [r.node, r.ok ? r.value.version?.tag : undefined]));
      expect([...old.values()]).toEqual([twin.talosVersion, twin.talosVersion]);
      const bootIds = [w1.bootId, w2.bootId];
      const results = await c.upgrade(UPGRADE_IMAGE, {}, [w1.address, w2.address]);
      expect(results.map((r) => [r.node, r.api, r.ok, r.error?.message])).toEqual([
        [w1.address, "lifecycle", true, undefined],
        [w2.address, "lifecycle", true, undefined],
      ]);
      // The version check: wait for each node to come back from its reboot, then compare tags.
      await until(
        "both nodes back from the upgrade reboot",
        async () =>
          w1.bootId !== bootIds[0] &&
          w2.bootId !== bootIds[1] &&
          (await c.version([w1.address, w2.address])).every((r) => r.ok),
        30_000,
      );
      const after = await c.version([w1.address, w2.address]);
      const outcome = after.map((r) => {
        const tag = r.ok ? r.value.version?.tag : undefined;
        return [
          r.node,
          tag === "v1.13.10" ? "upgraded" : tag === old.get(r.node) ? "rolled back" : `? ${tag}`,
        ];
      });
      expect(outcome).toEqual([
        [w1.address, "upgraded"],
        [w2.address, "rolled back"],
      ]);
    } finally {
      c.close();
      await twin.fault(w2.name, { kind: "heal" });
    }
  }, 60_000);

  test("a crashed node is a per-node error in a fan-out, not a failed call", async () => {
    const c = mtls(admin);
    const crashed = twin.nodes[4]!;
    await twin.fault(crashed.name, { kind: "crash" });
    try {
      const r = await c.version(all);
      expect(r.filter((x) => x.ok)).toHaveLength(4);
      const failed = r.filter((x) => !x.ok);
      expect(failed).toHaveLength(1);
      expect(failed[0]!.node).toBe(crashed.address);
      expect(failed[0]!.ok ? undefined : failed[0]!.error).toBeInstanceOf(TalosNodeError);
    } finally {
      c.close();
      await twin.fault(crashed.name, { kind: "heal" });
    }
  });
});
