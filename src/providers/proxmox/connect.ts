// How cairn reaches a cluster's PVE API: the endpoint (CAIRN_PROXMOX_ENDPOINT overrides the spec's, as
// HCLOUD_ENDPOINT does for Hetzner: a proxy, the simulated PVE), the API token from the env vars the spec names, and
// TLS trust — the cluster CA file, a pinned fingerprint, or (neither given) the system's CAs; a certificate none of
// them accepts is refused with its fingerprint shown, so first contact tells the user what to pin.
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { UserError } from "../../errors.js";
import { ProxmoxClient, type Clock } from "./client.js";
import type { ProxmoxSection } from "./schema.js";
import type { ProxmoxTrust } from "./tls.js";

export interface ProxmoxConnection {
  endpoint: string;
  tokenId: string;
  trust: ProxmoxTrust;
  /** How the trust was chosen, for the plan's summary. */
  trustLabel: string;
}

export function proxmoxConnection(
  section: ProxmoxSection,
  env: NodeJS.ProcessEnv,
  specDir: string | undefined,
): ProxmoxConnection & { secret: string } {
  const tokenId = env[section.tokenIdEnv]?.trim();
  const secret = env[section.tokenSecretEnv]?.trim();
  const missing = [!tokenId && section.tokenIdEnv, !secret && section.tokenSecretEnv].filter(Boolean);
  if (missing.length)
    throw new UserError(
      `the Proxmox API token is not set: ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} empty`,
      {
        hint: `create a token (Datacenter → Permissions → API Tokens, see docs/providers.md for its privileges) and export ${section.tokenIdEnv}=user@realm!name and ${section.tokenSecretEnv}=<secret>`,
      },
    );
  const endpoint = env.CAIRN_PROXMOX_ENDPOINT?.trim() || section.endpoint;
  const fingerprint = env.CAIRN_PROXMOX_FINGERPRINT?.trim() || section.fingerprint;
  const caFile = env.CAIRN_PROXMOX_CA_FILE?.trim() || section.caFile;
  const trust: ProxmoxTrust = {};
  const labels: string[] = [];
  if (caFile) {
    const path = isAbsolute(caFile) || !specDir ? caFile : join(specDir, caFile);
    try {
      trust.caPem = readFileSync(path, "utf8");
    } catch (e) {
      throw new UserError(
        `the Proxmox CA file ${path} cannot be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
        {
          hint: "copy /etc/pve/pve-root-ca.pem from any PVE node (provider.caFile is relative to cairn.yaml)",
        },
      );
    }
    labels.push(`CA ${caFile}`);
  }
  if (fingerprint) {
    trust.fingerprint = fingerprint;
    labels.push(`pinned SHA-256 ${fingerprint.slice(0, 11)}…`);
  }
  if (!caFile && !fingerprint) {
    trust.systemCa = true;
    labels.push("the system's CAs");
  }
  return { endpoint, tokenId: tokenId!, secret: secret!, trust, trustLabel: labels.join(" and ") };
}

export function proxmoxClient(
  conn: ProxmoxConnection & { secret: string },
  options: { clock?: Clock } = {},
): ProxmoxClient {
  return new ProxmoxClient({
    endpoint: conn.endpoint,
    token: { id: conn.tokenId, secret: conn.secret },
    trust: conn.trust,
    ...(options.clock ? { clock: options.clock } : {}),
  });
}
