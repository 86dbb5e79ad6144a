// The secrets bundle in talosctl's secrets.yaml shape (research/talos.md §1). Field names are the lowercased Go
// field names, in Go declaration order; every crt/key is base64 of the full PEM text.

export interface CertAndKey {
  /** base64(PEM certificate); absent for k8sserviceaccount */
  crt?: string;
  /** base64(PEM private key) */
  key: string;
}

export interface SecretsBundle {
  cluster: { id: string; secret: string };
  secrets: {
    bootstraptoken: string;
    aescbcencryptionsecret?: string;
    secretboxencryptionsecret?: string;
  };
  trustdinfo: { token: string };
  certs: {
    etcd: Required<CertAndKey>;
    k8s: Required<CertAndKey>;
    k8saggregator: Required<CertAndKey>;
    k8sserviceaccount: { key: string };
    os: Required<CertAndKey>;
  };
}
