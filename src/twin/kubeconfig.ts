// The admin kubeconfig a control plane returns from MachineService/Kubeconfig, packed exactly as Talos packs it:
// a gzip holding a tar with one `kubeconfig` entry (mode 0600) whose writer is never closed, so there are no
// end-of-archive blocks and the last entry is not padded (research/talos.md §2).
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { createPrivateKey, randomBytes, webcrypto } from "node:crypto";
import { gzipSync } from "node:zlib";
import { stringify } from "yaml";
import { relabelKey } from "./certs.js";
import type { AppliedConfig } from "./config.js";

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

/** One ustar header + the data, deliberately without padding or trailer (Go's tar.Writer never Close()d). */
export function unterminatedTar(name: string, data: Buffer, mode = 0o600, mtime = Date.now()): Buffer {
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
 * Talos `GenerateAdmin`: a fresh key of the Kubernetes CA's type, CN=admin O=system:masters, clientAuth, one year;
 * server = cluster.controlPlane.endpoint.
 */
export async function adminKubeconfig(config: AppliedConfig): Promise<string> {
  const ca = config.k8sCa;
  if (!ca?.key)
    throw new Error("the machine config has no Kubernetes CA key (cluster.ca.key); is this a control plane?");
  const caKey = createPrivateKey(relabelKey(ca.key));
  const ed = caKey.asymmetricKeyType === "ed25519";
  const alg = ed ? { name: "Ed25519" } : { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const signingKey = await webcrypto.subtle.importKey(
    "pkcs8",
    caKey.export({ format: "der", type: "pkcs8" }),
    alg,
    false,
    ["sign"],
  );
  const keys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const caCert = new x509.X509Certificate(ca.crt);
  const now = Date.now();
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial.toString("hex"),
    subject: "CN=admin, O=system:masters",
    issuer: caCert.subjectName,
    notBefore: new Date(now - 10_000),
    notAfter: new Date(now + 365 * 24 * 3600_000),
    publicKey: keys.publicKey as unknown as webcrypto.CryptoKey,
    signingKey: signingKey as unknown as webcrypto.CryptoKey,
    signingAlgorithm: alg,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  const keyObject = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
  const keyPem = ed
    ? keyObject.export({ format: "pem", type: "pkcs8" }).toString()
    : keyObject.export({ format: "pem", type: "sec1" }).toString();
  const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
  const name = config.clusterName;
  const user = `admin@${name}`;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server: config.endpoint, "certificate-authority-data": b64(ca.crt) } }],
    users: [
      {
        name: user,
        user: { "client-certificate-data": b64(`${cert.toString("pem")}\n`), "client-key-data": b64(keyPem) },
      },
    ],
    contexts: [{ context: { cluster: name, namespace: "default", user }, name: user }],
    "current-context": user,
  });
}
