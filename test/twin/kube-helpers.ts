// Shared setup for the tests of the twin's simulated Kubernetes API: a bootstrapped twin from the golden configs
// and cairn's own admin kubeconfig aimed at one control plane's simulated kube-apiserver.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildAdminKubeconfig } from "../../src/talos/kubeconfig.js";
import { loadCertificateAuthority } from "../../src/talos/pki/index.js";
import type { Twin } from "../../src/twin/twin.js";
import type { TwinNode } from "../../src/twin/node.js";

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
