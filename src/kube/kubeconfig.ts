// The credentials cairn's admin kubeconfig carries (src/talos/kubeconfig.ts renders it): server, CA and client
// certificate of one context. Only embedded data is supported — cairn writes nothing else.
import { parseYaml } from "../io/yaml.js";
import { KubeconfigError } from "./errors.js";

export interface KubeCredentials {
  /** https://host:port from the context's cluster. */
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  context: string;
}

type Named = {
  name?: unknown;
  cluster?: Record<string, unknown>;
  user?: Record<string, unknown>;
  context?: Record<string, unknown>;
};

const decode = (v: unknown, what: string): string => {
  if (typeof v !== "string" || v === "") throw new KubeconfigError(`the kubeconfig has no ${what}`);
  return Buffer.from(v, "base64").toString("utf8");
};

export function readKubeconfig(text: string, source = "kubeconfig", contextName?: string): KubeCredentials {
  let doc: Record<string, unknown>;
  try {
    doc = (parseYaml(text, source) ?? {}) as Record<string, unknown>;
  } catch (e) {
    throw new KubeconfigError(`${source} is not valid YAML: ${(e as Error).message}`);
  }
  const list = (k: string): Named[] => (Array.isArray(doc[k]) ? (doc[k] as Named[]) : []);
  const name = contextName ?? (doc["current-context"] as string | undefined);
  const ctx =
    list("contexts").find((c) => c.name === name) ?? (name === undefined ? list("contexts")[0] : undefined);
  if (!ctx?.context) throw new KubeconfigError(`${source} has no context${name ? ` "${name}"` : ""}`);
  const cluster = list("clusters").find((c) => c.name === ctx.context!.cluster)?.cluster;
  const user = list("users").find((u) => u.name === ctx.context!.user)?.user;
  if (!cluster || typeof cluster.server !== "string")
    throw new KubeconfigError(`${source}: context ${String(ctx.name)} names no cluster with a server`);
  if (!user) throw new KubeconfigError(`${source}: context ${String(ctx.name)} names no user`);
  return {
    server: cluster.server,
    caPem: decode(cluster["certificate-authority-data"], "certificate-authority-data"),
    certPem: decode(user["client-certificate-data"], "client-certificate-data"),
    keyPem: decode(user["client-key-data"], "client-key-data"),
    context: String(ctx.name),
  };
}
