// An admin kubeconfig made offline from the Kubernetes CA, the same document a control-plane node streams back
// for `talosctl kubeconfig` (research/talos.md §2; pkg/kubeconfig/generate.go renders it from a fixed template, so
// the layout below is that template's). Also merging into an existing kubeconfig without losing other entries.
import { stringify as stringifyYaml } from "yaml";
import { parseYaml } from "../io/yaml.js";
import { UserError } from "../errors.js";
import { base64ToPem, DAY_MS, issueCertificate, parseCertificate, pemToBase64 } from "./pki/index.js";
import type { CertificateAuthority, CertificateInfo, RandomSource } from "./pki/index.js";

/** cluster.adminKubeconfig.certLifetime default. */
export const KUBECONFIG_DEFAULT_TTL_MS = 365 * DAY_MS;
/** Talos backdates NotBefore by this much (allowedTimeSkew). */
export const KUBECONFIG_BACKDATE_MS = 10_000;

export interface AdminKubeconfigOptions {
  clusterName: string;
  /** The control-plane endpoint, e.g. https://10.0.0.10:6443 (cluster.controlPlane.endpoint). */
  endpoint: string;
  now: Date;
  ttlMs?: number;
  /** Extra accepted CA certificates (PEM), listed before the issuing CA as Talos does. */
  acceptedCaPems?: readonly string[];
  random?: RandomSource;
}

export interface AdminKubeconfig {
  text: string;
  cert: CertificateInfo;
  contextName: string;
}

// Cluster names end up unquoted in the template; Talos only accepts DNS-label-like names, and so does cairn.
const CLUSTER_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;

export function checkEndpoint(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UserError(`"${endpoint}" is not a URL`, {
      hint: "use the control-plane endpoint, e.g. https://10.0.0.10:6443",
    });
  }
  if (url.protocol !== "https:" || !url.port)
    throw new UserError(`the control-plane endpoint must be https:// with a port, not "${endpoint}"`, {
      hint: `try https://${url.hostname || endpoint}:6443`,
    });
  return url;
}

/**
 * Issues an admin client certificate from the Kubernetes CA (new key of the CA's type, CN=admin,
 * O=system:masters, NotBefore = now − 10s, KeyUsage DigitalSignature|KeyEncipherment, ExtKeyUsage [clientAuth])
 * and renders the kubeconfig.
 */
export async function buildAdminKubeconfig(
  k8sCa: CertificateAuthority,
  options: AdminKubeconfigOptions,
): Promise<AdminKubeconfig> {
  if (!CLUSTER_NAME.test(options.clusterName))
    throw new UserError(`"${options.clusterName}" is not a valid cluster name`, {
      hint: "use letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
    });
  checkEndpoint(options.endpoint);
  const issued = await issueCertificate(k8sCa, {
    now: options.now,
    ttlMs: options.ttlMs ?? KUBECONFIG_DEFAULT_TTL_MS,
    backdateMs: KUBECONFIG_BACKDATE_MS,
    subject: { organization: ["system:masters"], commonName: "admin" },
    keyUsage: ["digitalSignature", "keyEncipherment"],
    extKeyUsage: ["clientAuth"],
    ...(options.random ? { random: options.random } : {}),
  });
  const name = options.clusterName;
  const user = `admin@${name}`;
  const caData = pemToBase64([...(options.acceptedCaPems ?? []), k8sCa.certPem].join(""));
  // Talos prints url.URL.String(), which for an https://host:port endpoint is the text as given.
  const text =
    "apiVersion: v1\n" +
    "kind: Config\n" +
    "clusters:\n" +
    `- name: ${name}\n` +
    "  cluster:\n" +
    `    server: ${options.endpoint}\n` +
    `    certificate-authority-data: ${caData}\n` +
    "users:\n" +
    `- name: ${user}\n` +
    "  user:\n" +
    `    client-certificate-data: ${pemToBase64(issued.certPem)}\n` +
    `    client-key-data: ${pemToBase64(issued.keyPem)}\n` +
    "contexts:\n" +
    "- context:\n" +
    `    cluster: ${name}\n` +
    "    namespace: default\n" +
    `    user: ${user}\n` +
    `  name: ${user}\n` +
    `current-context: ${user}\n`;
  return { text, cert: issued.cert, contextName: user };
}

type Named = { name: string } & Record<string, unknown>;
type Kubeconfig = Record<string, unknown> & {
  clusters?: Named[];
  users?: Named[];
  contexts?: Named[];
  "current-context"?: string;
};

const LISTS = ["clusters", "users", "contexts"] as const;

function parseKubeconfig(text: string, source: string): Kubeconfig {
  const doc = parseYaml(text, source);
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc))
    throw new UserError(`${source} is not a kubeconfig (not a mapping)`);
  const config = doc as Kubeconfig;
  for (const list of LISTS) {
    const items = config[list];
    if (items === undefined || items === null) continue;
    if (
      !Array.isArray(items) ||
      items.some((i) => typeof i !== "object" || i === null || typeof i.name !== "string")
    )
      throw new UserError(`${source}: ${list} must be a list of entries with a name`);
  }
  return config;
}

/**
 * Merges `incoming` into `existing`: entries (clusters, users, contexts) with the same name are replaced in place,
 * new ones appended, everything else kept; current-context switches to the incoming one. Refuses to touch an
 * existing file it cannot parse rather than overwrite it.
 */
export function mergeKubeconfig(existing: string, incoming: string, source = "existing kubeconfig"): string {
  if (existing.trim() === "") return incoming;
  const base = parseKubeconfig(existing, source);
  const add = parseKubeconfig(incoming, "new kubeconfig");
  const merged: Kubeconfig = { ...base };
  if (merged.apiVersion === undefined) merged.apiVersion = add.apiVersion ?? "v1";
  if (merged.kind === undefined) merged.kind = add.kind ?? "Config";
  for (const list of LISTS) {
    const items = [...(base[list] ?? [])];
    for (const entry of add[list] ?? []) {
      const index = items.findIndex((i) => i.name === entry.name);
      if (index >= 0) items[index] = entry;
      else items.push(entry);
    }
    merged[list] = items;
  }
  if (add["current-context"]) merged["current-context"] = add["current-context"];
  // kubectl's layout: two-space indent, sequences flush with their key, no line folding of long base64 values.
  return stringifyYaml(merged, { indent: 2, indentSeq: false, lineWidth: 0 });
}

/**
 * When the client certificate of a kubeconfig context (default: current-context) expires; undefined when the user
 * authenticates some other way (token, exec plugin).
 */
export function kubeconfigExpiry(
  text: string,
  contextName?: string,
  source = "kubeconfig",
): Date | undefined {
  const config = parseKubeconfig(text, source);
  const name = contextName ?? config["current-context"];
  if (!name) throw new UserError(`${source} has no current-context`);
  const context = config.contexts?.find((c) => c.name === name);
  if (!context) throw new UserError(`${source} has no context "${name}"`);
  const userName = (context.context as { user?: unknown } | undefined)?.user;
  const user = config.users?.find((u) => u.name === userName);
  const data = (user?.user as { "client-certificate-data"?: unknown } | undefined)?.[
    "client-certificate-data"
  ];
  if (typeof data !== "string") return undefined;
  return parseCertificate(
    base64ToPem(data, `${source} client-certificate-data`),
    `${source} client certificate`,
  ).notAfter;
}
