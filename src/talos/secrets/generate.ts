// `talosctl gen secrets` without talosctl: the same algorithms, subjects, validity, serials, key identifiers,
// encodings and token alphabets (research/talos.md §1). Pure apart from key generation: clock and randomness are
// injected, nothing touches the disk.
import { createSelfSignedCA, generateKeyPair, privateKeyToPem, pemToBase64 } from "../pki/index.js";
import type { CertificateAuthority, KeyAlgorithm, RandomSource, Subject } from "../pki/index.js";
import { cryptoRandom } from "../pki/random.js";
import type { Contract } from "../versions.js";
import type { SecretsBundle } from "./bundle.js";
import { generateToken, randomBase64Secret, randomClusterId } from "./tokens.js";

export interface GenerateSecretsOptions {
  /** The bundle clock: every CA's NotBefore, NotAfter = now + 87600h. */
  now: Date;
  /**
   * Target Talos contract. "1.9" reproduces talosctl 1.9 (siderolabs/crypto v0.5: SubjectKeyId derived from the
   * public key); later contracts use 20 random bytes. Every supported contract is > 1.6, so the service-account
   * key is RSA-4096 and the encryption secret is secretbox.
   */
  contract?: Contract;
  random?: RandomSource;
}

function entry(ca: CertificateAuthority): { crt: string; key: string } {
  return { crt: pemToBase64(ca.certPem), key: pemToBase64(ca.keyPem) };
}

export async function generateSecretsBundle(options: GenerateSecretsOptions): Promise<SecretsBundle> {
  const random = options.random ?? cryptoRandom;
  const subjectKeyId = options.contract === "1.9" ? ("sha1" as const) : ("random" as const);
  const ca = (algorithm: KeyAlgorithm, subject: Subject) =>
    createSelfSignedCA({ algorithm, subject, now: options.now, subjectKeyId, random });
  // All keys at once: RSA-4096 dominates and runs on the thread pool while the small keys finish.
  const [serviceAccount, etcd, k8s, k8saggregator, os] = await Promise.all([
    generateKeyPair("rsa-4096"),
    ca("ecdsa-p256", { organization: ["etcd"] }),
    ca("ecdsa-p256", { organization: ["kubernetes"] }),
    // talosctl passes CommonName("front-proxy"), which the self-signed CA path ignores: the subject is empty.
    ca("ecdsa-p256", {}),
    ca("ed25519", { organization: ["talos"] }),
  ]);
  return {
    cluster: { id: randomClusterId(random), secret: randomBase64Secret(random) },
    secrets: {
      bootstraptoken: generateToken(random),
      secretboxencryptionsecret: randomBase64Secret(random),
    },
    trustdinfo: { token: generateToken(random) },
    certs: {
      etcd: entry(etcd),
      k8s: entry(k8s),
      k8saggregator: entry(k8saggregator),
      k8sserviceaccount: { key: pemToBase64(privateKeyToPem(serviceAccount.privateKey)) },
      os: entry(os),
    },
  };
}
