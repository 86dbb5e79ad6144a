// `cairn health`: is the cluster healthy, and what will break soon? Reachability and versions per node, etcd
// (members, leader, alarms, learners), services, machine readiness, and the expiry of the talosconfig and
// kubeconfig client certificates and of the cluster CAs (a warning inside 30 days, a failure once expired).
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { parseYaml } from "../io/yaml.js";
import { normaliseTalosVersion } from "../talos/versions.js";
import type { ClusterAccess } from "./access.js";
import { etcdPreflight } from "./etcd-health.js";
import { observeEtcd } from "./observe.js";
import { collectStatus, type NodeStatusRow } from "./status.js";
import { brief } from "./support.js";

export type CheckStatus = "ok" | "warn" | "fail";

export interface HealthCheck {
  check: "reachable" | "version" | "etcd" | "services" | "ready" | "expiry";
  subject: string;
  status: CheckStatus;
  message: string;
}

export interface HealthReport {
  cluster: string;
  simulated: boolean;
  ok: boolean;
  checks: HealthCheck[];
  nodes: NodeStatusRow[];
}

export const EXPIRY_WARN_DAYS = 30;
const DAY = 86_400_000;

/** Expiry findings for PEM certificates (pure; `now` injected). */
export function expiryChecks(
  certs: readonly { subject: string; pem: string }[],
  now: number,
  warnDays = EXPIRY_WARN_DAYS,
): HealthCheck[] {
  return certs.map(({ subject, pem }) => {
    let notAfter: number;
    try {
      notAfter = Date.parse(new X509Certificate(pem).validTo);
    } catch (e) {
      return {
        check: "expiry",
        subject,
        status: "fail",
        message: `certificate could not be read: ${brief(e)}`,
      };
    }
    const days = Math.floor((notAfter - now) / DAY);
    const when = new Date(notAfter).toISOString().slice(0, 10);
    if (notAfter <= now) return { check: "expiry", subject, status: "fail", message: `expired on ${when}` };
    if (days < warnDays)
      return {
        check: "expiry",
        subject,
        status: "warn",
        message: `expires in ${days} day(s), on ${when}: renew it`,
      };
    return { check: "expiry", subject, status: "ok", message: `valid until ${when} (${days} days)` };
  });
}

const b64pem = (v: unknown): string | undefined =>
  typeof v === "string" && v ? Buffer.from(v, "base64").toString("utf8") : undefined;

/** The certificates whose expiry matters, from the cluster's files; unreadable files are findings, not errors. */
export function credentialCerts(paths: { talosconfig?: string; kubeconfig?: string; secrets?: string }): {
  certs: { subject: string; pem: string }[];
  notes: HealthCheck[];
} {
  const certs: { subject: string; pem: string }[] = [];
  const notes: HealthCheck[] = [];
  const read = (
    label: string,
    path: string | undefined,
    take: (doc: Record<string, unknown>) => void,
  ): void => {
    if (!path || !existsSync(path)) {
      notes.push({
        check: "expiry",
        subject: label,
        status: "warn",
        message: `no ${label} at ${path ?? "(unknown path)"}`,
      });
      return;
    }
    const text = readFileSync(path, "utf8");
    if (/^-----BEGIN AGE ENCRYPTED FILE-----|^age-encryption\.org/m.test(text)) {
      notes.push({
        check: "expiry",
        subject: label,
        status: "ok",
        message: "encrypted with age: not inspected",
      });
      return;
    }
    try {
      take((parseYaml(text, path) ?? {}) as Record<string, unknown>);
    } catch (e) {
      notes.push({
        check: "expiry",
        subject: label,
        status: "fail",
        message: `${path} could not be read: ${brief(e)}`,
      });
    }
  };
  read("talosconfig", paths.talosconfig, (doc) => {
    const contexts = (doc.contexts ?? {}) as Record<string, { crt?: string; ca?: string }>;
    for (const [name, ctx] of Object.entries(contexts)) {
      const crt = b64pem(ctx.crt);
      if (crt) certs.push({ subject: `talosconfig client certificate (${name})`, pem: crt });
    }
  });
  read("kubeconfig", paths.kubeconfig, (doc) => {
    for (const u of (doc.users ?? []) as { name?: string; user?: Record<string, unknown> }[]) {
      const crt = b64pem(u.user?.["client-certificate-data"]);
      if (crt) certs.push({ subject: `kubeconfig client certificate (${u.name ?? "user"})`, pem: crt });
    }
  });
  read("secrets bundle", paths.secrets, (doc) => {
    const c = (doc.certs ?? {}) as Record<string, { crt?: string }>;
    const names: Record<string, string> = {
      os: "Talos API CA (machine.ca)",
      k8s: "Kubernetes CA",
      k8saggregator: "Kubernetes aggregator CA",
      etcd: "etcd CA",
    };
    for (const [key, label] of Object.entries(names)) {
      const crt = b64pem(c[key]?.crt);
      if (crt) certs.push({ subject: label, pem: crt });
    }
  });
  return { certs, notes };
}

export async function checkHealth(
  access: ClusterAccess,
  options: { now?: number; timeoutMs?: number } = {},
): Promise<HealthReport> {
  const now = options.now ?? Date.now();
  const [nodes, etcd] = await Promise.all([
    collectStatus(access, { services: true, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) }),
    observeEtcd(access, options.timeoutMs ?? 5000),
  ]);
  const checks: HealthCheck[] = [];
  const want = normaliseTalosVersion(access.model.talosVersion);
  for (const n of nodes) {
    checks.push(
      n.reachable
        ? { check: "reachable", subject: n.name, status: "ok", message: `Talos API answers at ${n.endpoint}` }
        : { check: "reachable", subject: n.name, status: "fail", message: n.error ?? "unreachable" },
    );
    if (!n.reachable) continue;
    const v = normaliseTalosVersion(n.talosVersion ?? "");
    checks.push(
      v === want
        ? { check: "version", subject: n.name, status: "ok", message: `Talos ${v}` }
        : {
            check: "version",
            subject: n.name,
            status: "warn",
            message: `Talos ${n.talosVersion}; the spec says ${want}`,
          },
    );
    checks.push(
      n.ready
        ? { check: "ready", subject: n.name, status: "ok", message: `${n.stage}, ready` }
        : {
            check: "ready",
            subject: n.name,
            status: "fail",
            message: `${n.stage ?? "unknown stage"}, not ready${n.unmet?.length ? `: ${n.unmet.join("; ")}` : ""}`,
          },
    );
    const bad = (n.services ?? []).filter((s) => s.healthy === false || !/running/i.test(s.state));
    checks.push(
      bad.length
        ? {
            check: "services",
            subject: n.name,
            status: "fail",
            message: `unhealthy: ${bad.map((s) => `${s.id} (${s.state})`).join(", ")}`,
          }
        : {
            check: "services",
            subject: n.name,
            status: "ok",
            message: `${n.services?.length ?? 0} services healthy`,
          },
    );
  }
  const cps = access.model.nodes.filter((n) => n.role === "controlplane").map((n) => n.name);
  const addresses: Record<string, string> = {};
  for (const r of nodes) if (r.endpoint) addresses[r.name] = r.endpoint;
  const pre = etcdPreflight(cps, etcd, addresses);
  const findings = pre.blockers.filter((b) => !/quorum margin/.test(b));
  const leader = nodes.find((r) => r.etcd === "leader")?.name;
  checks.push(
    findings.length
      ? { check: "etcd", subject: "cluster", status: "fail", message: findings.join("; ") }
      : {
          check: "etcd",
          subject: "cluster",
          status: "ok",
          message: `${etcd.members.length} member(s), leader ${leader ?? "?"}, no alarms`,
        },
  );
  if (pre.blockers.some((b) => /quorum margin/.test(b)))
    checks.push({
      check: "etcd",
      subject: "cluster",
      status: "warn",
      message: pre.blockers.find((b) => /quorum margin/.test(b))!,
    });
  for (const w of pre.warnings)
    checks.push({ check: "etcd", subject: "cluster", status: "warn", message: w });
  const { certs, notes } = credentialCerts(access.paths);
  checks.push(...expiryChecks(certs, now), ...notes);
  return {
    cluster: access.model.name,
    simulated: access.simulated,
    ok: checks.every((c) => c.status !== "fail"),
    checks,
    nodes,
  };
}

export function formatHealth(r: HealthReport): string {
  const mark: Record<CheckStatus, string> = { ok: "ok  ", warn: "WARN", fail: "FAIL" };
  const lines = [
    `cluster ${r.cluster}${r.simulated ? " (SIMULATED on the twin)" : ""}: ${r.ok ? "healthy" : "UNHEALTHY"}`,
  ];
  for (const c of r.checks)
    lines.push(`  ${mark[c.status]}  ${c.check.padEnd(9)} ${c.subject}: ${c.message}`);
  return lines.join("\n") + "\n";
}
