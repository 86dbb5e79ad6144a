// Shared setup for the tests of the twin's simulated Kubernetes API: a bootstrapped twin from the golden configs
// and cairn's own admin kubeconfig aimed at one control plane's simulated kube-apiserver.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildAdminKubeconfig } from "../../src/talos/kubeconfig.js";
import {
  createSelfSignedCA,
  DAY_MS,
  issueCertificate,
  loadCertificateAuthority,
} from "../../src/talos/pki/index.js";
import type { Twin } from "../../src/twin/twin.js";
import type { TwinNode } from "../../src/twin/node.js";
import { goldenConfig, MS, RawClient } from "./helpers.js";

/** Like helpers.configure, with each node's golden config passed through `edit` first. */
export async function configureWith(
  twin: Twin,
  edit: (config: string, role: "controlplane" | "worker") => string,
  contract = "1.13",
): Promise<void> {
  await Promise.all(
    twin.nodes.map(async (n) => {
      const c = new RawClient(n.address, { kind: "insecure" });
      try {
        await c.unary(`${MS}ApplyConfiguration`, {
          data: Buffer.from(edit(goldenConfig(n.plannedRole, contract), n.plannedRole)),
          mode: "AUTO",
        });
      } finally {
        c.close();
      }
    }),
  );
  await twin.waitFor(
    "all nodes in normal mode",
    () => twin.nodes.every((n) => n.stage === "running" && n.mode === "normal" && n.server !== undefined),
    30_000,
  );
}

/** Waits until the control plane serves its simulated Kubernetes API. */
export async function waitForKubeApi(twin: Twin, node: TwinNode, timeoutMs = 30_000): Promise<void> {
  await twin.waitFor(
    `simulated kube-apiserver on ${node.address}`,
    () => twin.kube.serverOf(node) !== undefined,
    timeoutMs,
  );
}

/** cairn's admin kubeconfig (src/talos/kubeconfig.ts) from the node's Kubernetes CA, server = the node's API. */
export async function adminKubeconfigFile(
  node: TwinNode,
  dir = mkdtempSync(join(tmpdir(), "cairn-kube-")),
): Promise<string> {
  const ca = node.config!.k8sCa!;
  const { text } = await buildAdminKubeconfig(loadCertificateAuthority(ca.crt, ca.key!, "Kubernetes CA"), {
    clusterName: node.config!.clusterName,
    endpoint: `https://${node.address}:6443`,
    now: new Date(),
  });
  const file = join(dir, "kubeconfig");
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

/** A kubeconfig for another identity (CN = user, O = groups), its certificate from `ca` (default: the node's Kubernetes CA). */
export async function identityKubeconfigFile(
  node: TwinNode,
  user: string,
  groups: string[],
  ca?: { crt: string; key: string },
): Promise<string> {
  const k8s = node.config!.k8sCa!;
  const signer = loadCertificateAuthority((ca ?? k8s).crt, (ca ?? { key: k8s.key! }).key, "CA");
  const issued = await issueCertificate(signer, {
    subject: { commonName: user, organization: groups },
    keyUsage: ["digitalSignature", "keyEncipherment"],
    extKeyUsage: ["clientAuth"],
    now: new Date(),
    backdateMs: 10_000,
    ttlMs: DAY_MS,
  });
  const b64 = (s: string): string => Buffer.from(s).toString("base64");
  const text = [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: twin",
    "  cluster:",
    `    server: https://${node.address}:6443`,
    `    certificate-authority-data: ${b64(k8s.crt)}`,
    "users:",
    "- name: who",
    "  user:",
    `    client-certificate-data: ${b64(issued.certPem)}`,
    `    client-key-data: ${b64(issued.keyPem)}`,
    "contexts:",
    "- name: who",
    "  context: { cluster: twin, user: who }",
    "current-context: who",
    "",
  ].join("\n");
  const file = join(mkdtempSync(join(tmpdir(), "cairn-kube-id-")), "kubeconfig");
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

/** A CA the cluster does not trust, for certificates that must be refused. */
export async function foreignCa(): Promise<{ crt: string; key: string }> {
  const ca = await createSelfSignedCA({
    algorithm: "ecdsa-p256",
    subject: { organization: ["kubernetes"] },
    now: new Date(),
  });
  return { crt: ca.certPem, key: ca.keyPem };
}
