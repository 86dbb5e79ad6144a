// talosctl's client configuration (research/talos.md §2, §5): one context per cluster holding endpoints, nodes, the
// Talos CA and an admin-style client certificate signed by the OS CA. Building is pure (clock and randomness come
// in); parsing turns a talosconfig into PEMs ready for node:crypto / grpc-js.
import { parseYaml } from "../io/yaml.js";
import { UserError } from "../errors.js";
import {
  base64ToPem,
  DAY_MS,
  issueCertificate,
  nodeCompatibleKeyPem,
  parseCertificate,
  pemToBase64,
  privateKeyFromPem,
  publicKeyOf,
  publicKeyToSpkiDer,
} from "./pki/index.js";
import type { CertificateAuthority, CertificateInfo, RandomSource } from "./pki/index.js";
import { goStruct, marshalGoYaml } from "./yaml/goyaml.js";

/** Talos API roles (pkg/machinery/role); apid reads them from the client certificate's Subject O. */
const TALOS_ROLES = ["os:admin", "os:operator", "os:reader", "os:etcd:backup", "os:impersonator"] as const;

/** TalosAPIDefaultCertificateValidityDuration. */
export const TALOSCONFIG_DEFAULT_TTL_MS = 365 * DAY_MS;

interface TalosClientCertificateOptions {
  now: Date;
  roles?: readonly string[];
  ttlMs?: number;
  random?: RandomSource;
}

export interface TalosconfigOptions extends TalosClientCertificateOptions {
  /** Context name; talosctl uses the cluster name. */
  context: string;
  endpoints?: readonly string[];
  nodes?: readonly string[];
}

interface TalosClientCredentials {
  certPem: string;
  /** "ED25519 PRIVATE KEY" (Talos' label); relabel with nodeCompatibleKeyPem for node:crypto. */
  keyPem: string;
  cert: CertificateInfo;
}

function checkRoles(roles: readonly string[]): void {
  if (roles.length === 0)
    throw new UserError("at least one role is needed", { hint: `known roles: ${TALOS_ROLES.join(", ")}` });
  for (const role of roles) {
    if (!(TALOS_ROLES as readonly string[]).includes(role))
      throw new UserError(`unknown Talos role "${role}"`, { hint: `known roles: ${TALOS_ROLES.join(", ")}` });
  }
}

/**
 * The client certificate talosctl gen config puts in talosconfig: new key of the CA's type (Ed25519 under the
 * default OS CA), roles as Subject O, no CN, KeyUsage DigitalSignature, ExtKeyUsage exactly [clientAuth] (apid
 * rejects anything else), NotBefore = now, NotAfter = now + TTL (365 days by default).
 * @public bench/upgrade.js uses it through dist/, which knip does not follow.
 */
export async function issueTalosClientCertificate(
  osCa: CertificateAuthority,
  options: TalosClientCertificateOptions,
): Promise<TalosClientCredentials> {
  const roles = options.roles ?? ["os:admin"];
  checkRoles(roles);
  const issued = await issueCertificate(osCa, {
    now: options.now,
    ttlMs: options.ttlMs ?? TALOSCONFIG_DEFAULT_TTL_MS,
    subject: { organization: roles },
    keyUsage: ["digitalSignature"],
    extKeyUsage: ["clientAuth"],
    ...(options.random ? { random: options.random } : {}),
  });
  return { certPem: issued.certPem, keyPem: issued.keyPem, cert: issued.cert };
}

/** Encodes a talosconfig with one context, byte-compatible with talosctl's yaml.v3 output. */
export function encodeTalosconfig(input: {
  context: string;
  endpoints?: readonly string[];
  nodes?: readonly string[];
  caPem: string;
  certPem: string;
  keyPem: string;
}): string {
  const context = goStruct({
    endpoints: [...(input.endpoints ?? [])],
    ...(input.nodes?.length ? { nodes: [...input.nodes] } : {}),
    ca: pemToBase64(input.caPem),
    crt: pemToBase64(input.certPem),
    key: pemToBase64(input.keyPem),
  });
  return marshalGoYaml(goStruct({ context: input.context, contexts: { [input.context]: context } }));
}

/** Issues admin credentials from the OS CA and returns the talosconfig text plus the client certificate. */
export async function buildTalosconfig(
  osCa: CertificateAuthority,
  options: TalosconfigOptions,
): Promise<{ text: string; cert: CertificateInfo }> {
  if (!options.context) throw new UserError("the talosconfig context (cluster name) must not be empty");
  const credentials = await issueTalosClientCertificate(osCa, options);
  const text = encodeTalosconfig({
    context: options.context,
    ...(options.endpoints ? { endpoints: options.endpoints } : {}),
    ...(options.nodes ? { nodes: options.nodes } : {}),
    caPem: osCa.certPem,
    certPem: credentials.certPem,
    keyPem: credentials.keyPem,
  });
  return { text, cert: credentials.cert };
}

/** One talosconfig context, decoded. */
export interface TalosconfigContext {
  name: string;
  endpoints: string[];
  nodes: string[];
  /** PEM of the accepted CA(s). */
  caPem: string;
  certPem: string;
  /** Private key PEM relabelled for node:crypto / tls / grpc-js ("PRIVATE KEY" instead of "ED25519 PRIVATE KEY"). */
  keyPem: string;
  cluster?: string;
}

function stringList(value: unknown, field: string, source: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string"))
    throw new UserError(`${source}: ${field} must be a list of strings`);
  return value as string[];
}

/**
 * Parses talosconfig text and returns the named context (default: the file's current `context`). The client key
 * and certificate are checked to belong together so a mismatched file fails here, not in a TLS handshake.
 */
export function parseTalosconfig(
  text: string,
  contextName?: string,
  source = "talosconfig",
): TalosconfigContext {
  const doc = parseYaml(text, source);
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    throw new UserError(`${source} is not a talosconfig (expected a mapping with context and contexts)`);
  const root = doc as { context?: unknown; contexts?: unknown };
  const contexts = (root.contexts ?? {}) as Record<string, unknown>;
  if (typeof contexts !== "object" || contexts === null || Array.isArray(contexts))
    throw new UserError(`${source}: contexts must be a mapping`);
  const name = contextName ?? (typeof root.context === "string" ? root.context : "");
  const available = Object.keys(contexts);
  if (!name)
    throw new UserError(`${source} has no current context`, {
      hint: available.length ? `pick one of: ${available.join(", ")}` : "the file holds no contexts",
    });
  const raw = contexts[name];
  if (typeof raw !== "object" || raw === null)
    throw new UserError(`${source} has no context "${name}"`, {
      hint: available.length ? `available contexts: ${available.join(", ")}` : "the file holds no contexts",
    });
  const ctx = raw as Record<string, unknown>;
  const where = `${source} context "${name}"`;
  for (const field of ["ca", "crt", "key"] as const) {
    if (typeof ctx[field] !== "string" || ctx[field] === "")
      throw new UserError(`${where} has no ${field}`, {
        hint:
          ctx.auth !== undefined
            ? "contexts that authenticate through Omni/SideroV1 are not supported; use a certificate-based talosconfig"
            : "regenerate the talosconfig with `cairn talosconfig`",
      });
  }
  const caPem = base64ToPem(ctx.ca as string, `${where} ca`);
  const certPem = base64ToPem(ctx.crt as string, `${where} crt`);
  const keyPem = base64ToPem(ctx.key as string, `${where} key`);
  const cert = parseCertificate(certPem, `${where} crt`);
  const key = privateKeyFromPem(keyPem, `${where} key`);
  if (!publicKeyToSpkiDer(publicKeyOf(key)).equals(publicKeyToSpkiDer(cert.publicKey)))
    throw new UserError(`${where}: the key does not match the client certificate`);
  return {
    name,
    endpoints: stringList(ctx.endpoints, "endpoints", where),
    nodes: stringList(ctx.nodes, "nodes", where),
    caPem,
    certPem,
    keyPem: nodeCompatibleKeyPem(keyPem),
    ...(typeof ctx.cluster === "string" && ctx.cluster ? { cluster: ctx.cluster } : {}),
  };
}
