// The checks talosctl's SecretsBundle.Validate() makes (research/talos.md §1), plus parsing every CA so a bad
// bundle fails when it is loaded rather than halfway through rendering configs.
import { UserError } from "../../errors.js";
import { base64ToPem, loadCertificateAuthorityFromEntry, privateKeyFromPem } from "../pki/index.js";
import type { CertificateAuthority } from "../pki/index.js";
import type { SecretsBundle } from "./bundle.js";

export interface BundleAuthorities {
  os: CertificateAuthority;
  k8s: CertificateAuthority;
  k8saggregator: CertificateAuthority;
  etcd: CertificateAuthority;
}

/** Throws a UserError naming every missing or unparsable field; returns the parsed CAs. */
export function validateSecretsBundle(bundle: SecretsBundle, source = "secrets bundle"): BundleAuthorities {
  const problems: string[] = [];
  const need = (value: string | undefined, field: string) => {
    if (!value) problems.push(`${field} is missing`);
  };
  need(bundle.cluster?.id, "cluster.id");
  need(bundle.cluster?.secret, "cluster.secret");
  need(bundle.secrets?.bootstraptoken, "secrets.bootstraptoken");
  need(bundle.trustdinfo?.token, "trustdinfo.token");
  const encryption = [
    bundle.secrets?.secretboxencryptionsecret,
    bundle.secrets?.aescbcencryptionsecret,
  ].filter(Boolean);
  if (encryption.length !== 1)
    problems.push(
      "exactly one of secrets.secretboxencryptionsecret and secrets.aescbcencryptionsecret must be set",
    );

  const authorities: Partial<BundleAuthorities> = {};
  for (const name of ["etcd", "k8s", "k8saggregator", "os"] as const) {
    const cert = bundle.certs?.[name];
    if (!cert?.crt || !cert.key) {
      problems.push(`certs.${name} needs crt and key`);
      continue;
    }
    try {
      authorities[name] = loadCertificateAuthorityFromEntry(cert, `certs.${name}`);
    } catch (e) {
      problems.push(e instanceof Error ? e.message : String(e));
    }
  }
  const sa = bundle.certs?.k8sserviceaccount?.key;
  if (!sa) problems.push("certs.k8sserviceaccount.key is missing");
  else {
    try {
      privateKeyFromPem(base64ToPem(sa, "certs.k8sserviceaccount key"), "certs.k8sserviceaccount key");
    } catch (e) {
      problems.push(e instanceof Error ? e.message : String(e));
    }
  }
  if (problems.length)
    throw new UserError(`${source} is invalid:\n  - ${problems.join("\n  - ")}`, {
      hint: "generate a fresh bundle with `cairn secrets gen`, or restore the original file",
    });
  return authorities as BundleAuthorities;
}
