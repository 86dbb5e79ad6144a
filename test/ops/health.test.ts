// `cairn health` and `cairn status` against a twin (3 control planes + 1 worker): rows, etcd roles, checks, a
// crashed worker; and the certificate-expiry findings (30-day warning window) on their own.
import { X509Certificate } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { checkHealth, credentialCerts, expiryChecks, formatHealth } from "../../src/ops/health.js";
import { collectStatus, formatStatusTable } from "../../src/ops/status.js";
import { goldenOsCa } from "../twin/helpers.js";
import { readShared } from "../helpers/shared.js";
import { twinCluster, type TwinCluster } from "./upgrade-helpers.js";
import { kubeClientOf } from "../../src/ops/kube.js";
import { cordon, uncordon } from "../../src/kube/index.js";

describe("on the twin", () => {
  let c: TwinCluster;
  beforeAll(async () => {
    c = await twinCluster(3, 1, "127.0.133.0/24", { rebootMs: 200 });
  }, 90_000);
  afterAll(async () => {
    await c?.close();
  });

  test("status: one row per node with versions, stage, readiness and etcd role", async () => {
    const rows = await collectStatus(c.access);
    expect(rows.map((r) => [r.name, r.role, r.talosVersion, r.kubernetesVersion, r.stage, r.ready])).toEqual([
      ["cp-1", "controlplane", "v1.12.11", "1.28.0", "running", true],
      ["cp-2", "controlplane", "v1.12.11", "1.28.0", "running", true],
      ["cp-3", "controlplane", "v1.12.11", "1.28.0", "running", true],
      ["worker-1", "worker", "v1.12.11", "1.28.0", "running", true],
    ]);
    expect(rows.filter((r) => r.etcd === "leader")).toHaveLength(1);
    expect(rows.filter((r) => r.etcd === "follower")).toHaveLength(2);
    expect(rows[3]!.etcd).toBeUndefined();
    expect(rows[0]!.endpoint).toBe(c.twin.node("cp-1").address);
    const table = formatStatusTable(rows, true);
    expect(table.split("\n")[0]).toMatch(
      /^NODE\s+ROLE\s+ADDRESS\s+TALOS\s+KUBERNETES\s+STAGE\s+READY\s+ETCD$/,
    );
    expect(table).toContain("SIMULATED");
  });

  test("health: healthy cluster, then a crashed worker fails reachability", async () => {
    const ok = await checkHealth(c.access);
    expect(ok.checks.filter((x) => x.status === "fail")).toEqual([]);
    expect(ok.ok).toBe(true);
    const etcd = ok.checks.find((x) => x.check === "etcd" && x.status === "ok");
    expect(etcd?.message).toMatch(/^3 member\(s\), leader cp-\d, no alarms$/);
    expect(ok.checks.filter((x) => x.check === "services" && x.status === "ok")).toHaveLength(4);
    // Kubernetes, from the simulated API with cairn's kubeconfig: every spec node Ready with the CNI's pod.
    const kube = ok.checks.filter((x) => x.check === "kubernetes");
    expect(kube.map((x) => x.subject)).toEqual([
      "api",
      "cp-1",
      "cp-2",
      "cp-3",
      "worker-1",
      "cni",
      "control-plane-pods",
      "coredns",
      "cordons",
    ]);
    for (const n of ["cp-1", "cp-2", "cp-3", "worker-1"])
      expect(kube.find((x) => x.subject === n)?.message).toMatch(
        /^Ready \(kubelet v1\.28\.0\), kube-flannel pod ready$/,
      );
    expect(formatHealth(ok)).toMatch(/ {2}ok {4}kubernetes cordons: no node left cordoned by cairn\n/);

    // A node cairn cordoned and never uncordoned (a drain that did not finish) fails health, naming it.
    const client = kubeClientOf(c.access)!;
    await cordon(client, "worker-1");
    const left = await checkHealth(c.access);
    expect(left.ok).toBe(false);
    expect(left.checks.find((x) => x.check === "kubernetes" && x.subject === "cordons")).toMatchObject({
      status: "fail",
      message: "cordoned by cairn and not uncordoned: worker-1",
    });
    expect(left.checks.find((x) => x.subject === "worker-1" && x.check === "kubernetes")?.message).toMatch(
      /, cordoned by cairn$/,
    );
    expect(await uncordon(client, "worker-1")).toBe(true);

    await c.twin.fault("worker-1", { kind: "crash" });
    const bad = await checkHealth(c.access, { timeoutMs: 2000 });
    expect(bad.ok).toBe(false);
    expect(bad.checks.find((x) => x.subject === "worker-1" && x.check === "reachable")?.status).toBe("fail");
    expect(formatHealth(bad)).toMatch(/UNHEALTHY/);
    const rows = await collectStatus(c.access, { timeoutMs: 2000 });
    expect(rows[3]!.reachable).toBe(false);
    expect(formatStatusTable(rows, true)).toMatch(/worker-1 .*unreachable/);
  }, 30_000);
});

describe("certificate expiry", () => {
  const pem = goldenOsCa().crt;
  const notAfter = Date.parse(new X509Certificate(pem).validTo);
  const DAY = 86_400_000;

  test("ok beyond 30 days, a warning inside, a failure once expired", () => {
    const at = (days: number) => expiryChecks([{ subject: "CA", pem }], notAfter - days * DAY)[0]!;
    expect(at(90).status).toBe("ok");
    expect(at(29.5)).toMatchObject({
      status: "warn",
      message: expect.stringMatching(/^expires in 29 day\(s\)/),
    });
    expect(at(-1)).toMatchObject({ status: "fail", message: expect.stringMatching(/^expired on /) });
    expect(expiryChecks([{ subject: "x", pem: "garbage" }], 0)[0]!.status).toBe("fail");
  });

  test("reads the secrets bundle's CAs, kubeconfig and talosconfig client certificates", () => {
    const dir = mkdtempSync(join(tmpdir(), "cairn-expiry-"));
    const secrets = join(dir, "secrets.yaml");
    writeFileSync(secrets, readShared("reference/talos/golden/secrets.yaml"));
    const b64 = Buffer.from(pem).toString("base64");
    const kubeconfig = join(dir, "kubeconfig");
    writeFileSync(
      kubeconfig,
      `users:\n  - name: admin@x\n    user:\n      client-certificate-data: ${b64}\n`,
    );
    const talosconfig = join(dir, "talosconfig");
    writeFileSync(talosconfig, `context: x\ncontexts:\n  x:\n    crt: ${b64}\n`);
    const { certs, notes } = credentialCerts({
      secrets,
      kubeconfig,
      talosconfig,
    });
    expect(notes).toEqual([]);
    expect(certs.map((x) => x.subject)).toEqual([
      "talosconfig client certificate (x)",
      "kubeconfig client certificate (admin@x)",
      "Talos API CA (machine.ca)",
      "Kubernetes CA",
      "Kubernetes aggregator CA",
      "etcd CA",
    ]);
    const missing = credentialCerts({ kubeconfig: join(dir, "nope") });
    expect(missing.notes.map((n) => n.status)).toEqual(["warn", "warn", "warn"]);
  });
});
