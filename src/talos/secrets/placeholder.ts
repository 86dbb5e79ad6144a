// A secrets bundle of the right shape holding no secret at all, for checking what a config would look like without
// touching (or needing) the cluster's real bundle: `cairn validate` renders patches with it. Its values are fixed
// markers, never keys; a config built with it must never be written or applied.
import type { SecretsBundle } from "./bundle.js";

const marker = (what: string): string =>
  Buffer.from(`cairn placeholder ${what}: not a key, not for use\n`).toString("base64");

export function placeholderSecrets(): SecretsBundle {
  const pair = (what: string) => ({ crt: marker(`${what} certificate`), key: marker(`${what} key`) });
  return {
    cluster: { id: marker("cluster id"), secret: marker("cluster secret") },
    secrets: {
      bootstraptoken: "000000.0000000000000000",
      secretboxencryptionsecret: marker("secretbox"),
    },
    trustdinfo: { token: "000000.0000000000000000" },
    certs: {
      etcd: pair("etcd CA"),
      k8s: pair("Kubernetes CA"),
      k8saggregator: pair("aggregator CA"),
      k8sserviceaccount: { key: marker("service account key") },
      os: pair("Talos CA"),
    },
  };
}
