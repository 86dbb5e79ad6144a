// The admin kubeconfig a control plane returns from MachineService/Kubeconfig, packed exactly as Talos packs it:
// a gzip holding a tar with one `kubeconfig` entry (mode 0600) whose writer is never closed, so there are no
// end-of-archive blocks and the last entry is not padded (research/talos.md §2).
import { gzipSync } from "node:zlib";
import { buildAdminKubeconfig } from "../talos/kubeconfig.js";
import { loadCertificateAuthority } from "../talos/pki/index.js";
import type { AppliedConfig } from "./config.js";

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

/** One ustar header + the data, deliberately without padding or trailer (Go's tar.Writer never Close()d). */
function unterminatedTar(name: string, data: Buffer, mode = 0o600, mtime = Date.now()): Buffer {
  const header = Buffer.alloc(512, 0);
  header.write(name, 0, 100, "utf8");
  header.write(octal(mode, 8), 100, "ascii");
  header.write(octal(0, 8), 108, "ascii");
  header.write(octal(0, 8), 116, "ascii");
  header.write(octal(data.length, 12), 124, "ascii");
  header.write(octal(Math.floor(mtime / 1000), 12), 136, "ascii");
  header.write("        ", 148, "ascii");
  header.write("0", 156, "ascii");
  header.write("ustar\0", 257, "ascii");
  header.write("00", 263, "ascii");
  let sum = 0;
  for (const b of header) sum += b;
  header.write(octal(sum, 7) + " ", 148, "ascii");
  return Buffer.concat([header, data]);
}

export function packKubeconfig(kubeconfig: string): Buffer {
  return gzipSync(unterminatedTar("kubeconfig", Buffer.from(kubeconfig, "utf8")));
}

/**
 * Talos `GenerateAdmin`: the same admin kubeconfig cairn makes offline (src/talos/kubeconfig.ts), issued from the
 * Kubernetes CA of the applied config; server = cluster.controlPlane.endpoint.
 */
export async function adminKubeconfig(config: AppliedConfig): Promise<string> {
  const ca = config.k8sCa;
  if (!ca?.key)
    throw new Error("the machine config has no Kubernetes CA key (cluster.ca.key); is this a control plane?");
  const k8sCa = loadCertificateAuthority(ca.crt, ca.key, "Kubernetes CA");
  const { text } = await buildAdminKubeconfig(k8sCa, {
    clusterName: config.clusterName,
    endpoint: config.endpoint,
    now: new Date(),
  });
  return text;
}
