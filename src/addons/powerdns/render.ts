// PowerDNS Authoritative with its SQLite backend, one Deployment behind a LoadBalancer Service on the spec's
// address (DNS over UDP and TCP) and a ClusterIP Service for its HTTP API. The container start creates what the
// spec says — the zone with ns1.<zone> on the address, and the TSIG key of every cert-manager issuer that sends
// RFC 2136 updates to it, allowed to update that zone — before it starts the server. Records written later (the
// ACME challenges, records added through the API) live in the pod's database: a new pod starts from the spec.
import { namespace } from "../objects.js";
import { loadBalancerRequest } from "../spec-facts.js";
import { emptyOutput, type AddonContext, type AddonOutput, type K8sObject } from "../types.js";
import { PDNS_IMAGE } from "./versions.js";

export const POWERDNS_NAMESPACE = "powerdns";
const LABELS = { "app.kubernetes.io/name": "powerdns" };
const DB = "/var/lib/powerdns/pdns.sqlite3";
const DNS_PORT = 5353;

/** cert-manager's TSIG algorithm names → PowerDNS's. */
const ALGORITHMS: Record<string, string> = {
  HMACMD5: "hmac-md5",
  HMACSHA1: "hmac-sha1",
  HMACSHA256: "hmac-sha256",
  HMACSHA512: "hmac-sha512",
};

/** A POSIX shell word: single-quoted, so spec values never become shell syntax. */
const sq = (s: string) => `'${s.replace(/'/g, `'"'"'`)}'`;

export function renderPowerdns(ctx: AddonContext): AddonOutput {
  const out = emptyOutput();
  const spec = ctx.spec;
  const dns = spec.addons.dns!;
  const zone = dns.zone?.replace(/\.$/, "");
  // Updates come from pods (cert-manager) and, through the load balancer, from the nodes' networks.
  const updaters = [...spec.kubernetes.podSubnets, ...Object.values(spec.networks).map((n) => n.cidr)];
  const conf = [
    "launch=gsqlite3",
    `gsqlite3-database=${DB}`,
    "local-address=0.0.0.0",
    // An unprivileged port: no capability needed under Talos' baseline Pod Security; the Service maps 53 to it.
    `local-port=${DNS_PORT}`,
    "dnsupdate=yes",
    `allow-dnsupdate-from=${updaters.join(",")}`,
    "webserver=yes",
    "webserver-address=0.0.0.0",
    "webserver-port=8081",
    `webserver-allow-from=${spec.kubernetes.podSubnets.join(",")}`,
    ...(dns.apiKey ? ["api=yes"] : []),
    "",
  ].join("\n");

  const tsig = (spec.addons.certManager?.issuers ?? []).filter(
    (i) => i.type === "acme" && i.solver === "dns01" && i.dnsProvider === "powerdns" && i.rfc2136,
  );
  const env: Record<string, unknown>[] = [];
  const script = ["set -e"];
  if (zone) {
    script.push(
      `pdnsutil list-zone ${sq(zone)} >/dev/null 2>&1 || pdnsutil create-zone ${sq(zone)} ${sq(`ns1.${zone}`)}`,
      `pdnsutil replace-rrset ${sq(zone)} ns1 A 3600 ${sq(dns.address!)}`,
    );
  }
  tsig.forEach((iss, n) => {
    const r = iss.rfc2136!;
    const v = `TSIG_SECRET_${n}`;
    env.push({ name: v, valueFrom: { secretKeyRef: { name: r.tsigSecret.name, key: r.tsigSecret.key } } });
    script.push(`pdnsutil import-tsig-key ${sq(r.tsigKeyName)} ${ALGORITHMS[r.tsigAlgorithm]} "$${v}"`);
    if (zone) script.push(`pdnsutil set-meta ${sq(zone)} TSIG-ALLOW-DNSUPDATE ${sq(r.tsigKeyName)}`);
    out.notes.push(
      `powerdns: create the Secret ${POWERDNS_NAMESPACE}/${r.tsigSecret.name} with key ${r.tsigSecret.key}, the same TSIG secret as cert-manager/${r.tsigSecret.name} (key ${r.tsigKeyName})`,
    );
  });
  if (dns.apiKey) {
    env.push({ name: "PDNS_AUTH_API_KEY", valueFrom: { secretKeyRef: { ...dns.apiKey } } });
    out.notes.push(
      `powerdns: create the Secret ${POWERDNS_NAMESPACE}/${dns.apiKey.name} with key ${dns.apiKey.key} (the HTTP API key)`,
    );
  }
  // The image's own start script renders its templates (the API key) and runs pdns_server.
  script.push("exec /usr/local/sbin/pdns_server-startup");
  if (zone)
    out.notes.push(
      `powerdns: delegate ${zone} to it in the parent zone: NS ns1.${zone}, glue A ns1.${zone} ${dns.address}`,
    );

  const config: K8sObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "powerdns", namespace: POWERDNS_NAMESPACE },
    data: { "cairn.conf": conf },
  };
  const deployment: K8sObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "powerdns", namespace: POWERDNS_NAMESPACE, labels: LABELS },
    spec: {
      replicas: 1,
      // One SQLite database per pod: never two writers, so replace rather than roll.
      strategy: { type: "Recreate" },
      selector: { matchLabels: LABELS },
      template: {
        metadata: { labels: LABELS },
        spec: {
          containers: [
            {
              name: "pdns",
              image: PDNS_IMAGE,
              command: ["/bin/sh", "-c", script.join("\n")],
              ...(env.length ? { env } : {}),
              ports: [
                { name: "dns-udp", containerPort: DNS_PORT, protocol: "UDP" },
                { name: "dns-tcp", containerPort: DNS_PORT, protocol: "TCP" },
                { name: "api", containerPort: 8081, protocol: "TCP" },
              ],
              readinessProbe: { tcpSocket: { port: DNS_PORT }, periodSeconds: 10 },
              volumeMounts: [{ name: "config", mountPath: "/etc/powerdns/pdns.d", readOnly: true }],
            },
          ],
          volumes: [{ name: "config", configMap: { name: "powerdns" } }],
        },
      },
    },
  };
  const lb = loadBalancerRequest(spec, dns.address, dns.pool);
  const service: K8sObject = {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: "powerdns",
      namespace: POWERDNS_NAMESPACE,
      ...(Object.keys(lb.labels).length ? { labels: lb.labels } : {}),
      ...(Object.keys(lb.annotations).length ? { annotations: lb.annotations } : {}),
    },
    spec: {
      type: "LoadBalancer",
      // Keep resolvers' source addresses, which allow-dnsupdate-from and PowerDNS' logs see.
      externalTrafficPolicy: "Local",
      selector: LABELS,
      ports: [
        { name: "dns-udp", port: 53, targetPort: DNS_PORT, protocol: "UDP" },
        { name: "dns-tcp", port: 53, targetPort: DNS_PORT, protocol: "TCP" },
      ],
    },
  };
  const api: K8sObject = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "powerdns-api", namespace: POWERDNS_NAMESPACE },
    spec: { selector: LABELS, ports: [{ name: "api", port: 8081, targetPort: 8081, protocol: "TCP" }] },
  };
  out.objects.push(
    { layer: "controllers", object: namespace(POWERDNS_NAMESPACE) },
    { layer: "controllers", object: config },
    { layer: "controllers", object: deployment },
    { layer: "controllers", object: service },
    { layer: "controllers", object: api },
  );
  return out;
}
