// Shared by the client-*.test.ts files: the project's own TalosClient against a twin, with credentials made by the
// project's talosconfig/pki code from the golden OS CA (the machine.ca of the golden configs the nodes get).
import { TalosClient, type ClientOptions } from "../../src/talos/api/client.js";
import {
  createSelfSignedCA,
  DAY_MS,
  issueCertificate,
  loadCertificateAuthority,
  type CertificateAuthority,
  type ExtKeyUsage,
} from "../../src/talos/pki/index.js";
import {
  buildTalosconfig,
  encodeTalosconfig,
  parseTalosconfig,
  type TalosconfigContext,
} from "../../src/talos/talosconfig.js";
import type { Twin } from "../../src/twin/twin.js";
import { goldenConfig, goldenOsCa } from "./helpers.js";

export function osCa(): CertificateAuthority {
  const ca = goldenOsCa();
  return loadCertificateAuthority(ca.crt, ca.key, "golden OS CA");
}

/** A talosconfig context as `cairn talosconfig` would write it, parsed back the way the CLI reads it. */
export async function talosconfig(roles: string[], endpoints: string[]): Promise<TalosconfigContext> {
  const { text } = await buildTalosconfig(osCa(), { context: "twin", endpoints, roles, now: new Date() });
  return parseTalosconfig(text, undefined, "test talosconfig");
}

/** A talosconfig whose client certificate is signed by an unrelated CA (the server CA is still the right one). */
export async function foreignTalosconfig(endpoints: string[]): Promise<TalosconfigContext> {
  const other = await createSelfSignedCA({
    algorithm: "ed25519",
    subject: { organization: ["talos"] },
    now: new Date(),
  });
  const { text } = await buildTalosconfig(other, { context: "other", endpoints, now: new Date() });
  const ctx = parseTalosconfig(text);
  return { ...ctx, caPem: osCa().certPem };
}

/** An os:admin client certificate from the right CA but with the given extended key usages. */
export async function talosconfigWithUsages(
  usages: ExtKeyUsage[],
  endpoints: string[],
): Promise<TalosconfigContext> {
  const ca = osCa();
  const issued = await issueCertificate(ca, {
    now: new Date(),
    ttlMs: DAY_MS,
    subject: { organization: ["os:admin"] },
    keyUsage: ["digitalSignature"],
    extKeyUsage: usages,
  });
  const text = encodeTalosconfig({
    context: "eku",
    endpoints,
    caPem: ca.certPem,
    certPem: issued.certPem,
    keyPem: issued.keyPem,
  });
  return parseTalosconfig(text);
}

/** Short connect timeouts and few retries: a refused call fails in seconds, not minutes. */
export const FAST: Pick<ClientOptions, "connectTimeoutMs" | "retry" | "timeoutMs"> = {
  connectTimeoutMs: 3000,
  timeoutMs: 15_000,
  retry: { attempts: 2, initialDelayMs: 100, maxDelayMs: 200 },
};

export function mtls(ctx: TalosconfigContext, endpoints = ctx.endpoints): TalosClient {
  return TalosClient.mtls(ctx, { endpoints, ...FAST });
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` (errors count as "not yet") until it returns true; throws after `timeoutMs`. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`,
      );
    await delay(200);
  }
}

/**
 * Maintenance mode the way a user does it: an insecure client per node, pinned to the fingerprint the twin shows,
 * ApplyConfiguration of the golden config for the node's role. Returns the fingerprints the client observed.
 */
export async function applyAll(twin: Twin): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  await Promise.all(
    twin.nodes.map(async (n) => {
      const fingerprint = n.status().maintenanceFingerprint!;
      const c = TalosClient.insecure({
        endpoints: [n.address],
        fingerprint,
        onFingerprint: (_e, fp) => seen.set(n.address, fp),
        ...FAST,
      });
      try {
        const [r] = await c.applyConfiguration(goldenConfig(n.plannedRole));
        if (!r?.ok) throw new Error(`apply to ${n.address} failed: ${r?.error.message}`);
      } finally {
        c.close();
      }
    }),
  );
  return seen;
}

/** Waits until every address answers Version over mTLS (the nodes "rebooted" into normal mode). */
export async function waitNormal(
  ctx: TalosconfigContext,
  addresses: string[],
  timeoutMs = 30_000,
): Promise<void> {
  const c = mtls(ctx);
  try {
    await until(
      "every node in normal mode",
      async () => (await c.version(addresses)).every((r) => r.ok),
      timeoutMs,
    );
  } finally {
    c.close();
  }
}
