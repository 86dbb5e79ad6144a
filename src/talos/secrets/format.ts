// talosctl's secrets.yaml: `yaml.Marshal` (go-yaml v3) of the Go secrets.Bundle, keys being the lowercased Go field
// names in declaration order (research/talos.md §1). Parsing checks shapes and types only; validateSecretsBundle
// (validate.ts) applies talosctl's Validate() rules on top.
import { LineCounter } from "yaml";
import { UserError } from "../../errors.js";
import { parseYamlDocuments, yamlDocumentToJS } from "../../io/yaml.js";
import { goStruct, marshalGoYaml } from "../yaml/goyaml.js";
import type { CertAndKey, SecretsBundle } from "./bundle.js";

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** What a value is, never what it holds: every field of a bundle is secret. */
function kindOf(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object" && v !== null) return "a mapping";
  return `a ${typeof v}`;
}

/**
 * Parses secrets.yaml text. Missing values become "" so validation can list them together; a value of the wrong
 * type, or a section that is not a mapping, is a UserError naming the file and the field (never the value). Unknown
 * keys are ignored as go-yaml's non-strict Unmarshal ignores them. The text is read within the YAML limits.
 */
export function parseSecretsBundle(text: string, source = "secrets bundle"): SecretsBundle {
  const hint =
    "a secrets bundle is the secrets.yaml written by `talosctl gen secrets` or `cairn talos gen secrets`";
  const lines = new LineCounter();
  const docs = parseYamlDocuments(text, source, { lineCounter: lines });
  const doc = docs[0]!;
  if (doc.errors.length > 0) {
    // The yaml package's message names the problem and quotes no source text (the file is all keys).
    const e = doc.errors[0]!;
    const { line, col } = lines.linePos(e.pos[0]);
    throw new UserError(`${source}:${line}:${col}: not valid YAML: ${e.message}`, { hint });
  }
  if (docs.length > 1)
    throw new UserError(`${source}: holds ${docs.length} YAML documents, expected one`, { hint });
  const root: unknown = yamlDocumentToJS(doc);
  if (!isObject(root)) {
    throw new UserError(`${source}: expected a mapping with cluster, secrets, trustdinfo and certs`, {
      hint: "a secrets bundle is the secrets.yaml written by `talosctl gen secrets` or `cairn talos gen secrets`",
    });
  }
  const section = (parent: Obj, key: string, path: string): Obj => {
    const v = parent[key];
    if (v === undefined || v === null) return {};
    if (!isObject(v)) throw new UserError(`${source}: ${path} must be a mapping`);
    return v;
  };
  const str = (parent: Obj, key: string, path: string): string => {
    const v = parent[key];
    if (v === undefined || v === null) return "";
    if (typeof v !== "string") throw new UserError(`${source}: ${path} must be a string, not ${kindOf(v)}`);
    return v;
  };
  const cluster = section(root, "cluster", "cluster");
  const secrets = section(root, "secrets", "secrets");
  const trustdinfo = section(root, "trustdinfo", "trustdinfo");
  const certs = section(root, "certs", "certs");
  const pair = (name: string): Required<CertAndKey> => {
    const s = section(certs, name, `certs.${name}`);
    return { crt: str(s, "crt", `certs.${name}.crt`), key: str(s, "key", `certs.${name}.key`) };
  };
  const bundle: SecretsBundle = {
    cluster: { id: str(cluster, "id", "cluster.id"), secret: str(cluster, "secret", "cluster.secret") },
    secrets: { bootstraptoken: str(secrets, "bootstraptoken", "secrets.bootstraptoken") },
    trustdinfo: { token: str(trustdinfo, "token", "trustdinfo.token") },
    certs: {
      etcd: pair("etcd"),
      k8s: pair("k8s"),
      k8saggregator: pair("k8saggregator"),
      k8sserviceaccount: {
        key: str(
          section(certs, "k8sserviceaccount", "certs.k8sserviceaccount"),
          "key",
          "certs.k8sserviceaccount.key",
        ),
      },
      os: pair("os"),
    },
  };
  const aescbc = str(secrets, "aescbcencryptionsecret", "secrets.aescbcencryptionsecret");
  const secretbox = str(secrets, "secretboxencryptionsecret", "secrets.secretboxencryptionsecret");
  if (aescbc) bundle.secrets.aescbcencryptionsecret = aescbc;
  if (secretbox) bundle.secrets.secretboxencryptionsecret = secretbox;
  return bundle;
}

/** secrets.yaml text byte-identical to what talosctl writes for the same bundle. */
export function encodeSecretsBundle(bundle: SecretsBundle): string {
  const pair = (c: CertAndKey) => goStruct({ crt: c.crt ?? "", key: c.key });
  const secrets: Record<string, string> = goStruct({ bootstraptoken: bundle.secrets.bootstraptoken });
  // both encryption secrets are omitempty in Go
  if (bundle.secrets.aescbcencryptionsecret)
    secrets.aescbcencryptionsecret = bundle.secrets.aescbcencryptionsecret;
  if (bundle.secrets.secretboxencryptionsecret) {
    secrets.secretboxencryptionsecret = bundle.secrets.secretboxencryptionsecret;
  }
  return marshalGoYaml(
    goStruct({
      cluster: goStruct({ id: bundle.cluster.id, secret: bundle.cluster.secret }),
      secrets,
      trustdinfo: goStruct({ token: bundle.trustdinfo.token }),
      certs: goStruct({
        etcd: pair(bundle.certs.etcd),
        k8s: pair(bundle.certs.k8s),
        k8saggregator: pair(bundle.certs.k8saggregator),
        k8sserviceaccount: goStruct({ key: bundle.certs.k8sserviceaccount.key }),
        os: pair(bundle.certs.os),
      }),
    }),
  );
}
