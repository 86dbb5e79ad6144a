// `cairn render`: the effects around the pure renderer. Secrets are created once and then only ever reused;
// client credentials are reused while valid, so rendering twice changes no byte. Every config is rendered and
// validated before the first file is written.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { UserError } from "../errors.js";
import { writeFileAtomic, writeTree, SECRET_FILE_MODE } from "../io/files.js";
import { requireModel } from "../clusterspec/load.js";
import type { Model } from "../clusterspec/model.js";
import { generateSecretsBundle } from "../talos/secrets/generate.js";
import { readSecretsBundleFile, renderSecretsBundleFile } from "../talos/secrets/files.js";
import type { SecretsBundle } from "../talos/secrets/bundle.js";
import { validateSecretsBundle, type BundleAuthorities } from "../talos/secrets/validate.js";
import { buildTalosconfig, parseTalosconfig } from "../talos/talosconfig.js";
import { buildAdminKubeconfig, kubeconfigExpiry } from "../talos/kubeconfig.js";
import { parseCertificate } from "../talos/pki/index.js";
import { renderMachineConfigs } from "./machine-configs.js";
import { formatDiagnosticText } from "../clusterspec/diagnostics.js";
import { gitopsTree } from "../gitops/index.js";
import { gitopsReport, type GitopsReport } from "../gitops/report.js";

export interface RenderOptions {
  file: string;
  /** Default: the cluster directory `.cairn/<cluster>` next to the spec, which apply, plan and upgrade use too. */
  out?: string;
  secrets?: string;
  ageRecipient?: string[];
  ageIdentity?: string;
  newSecrets?: boolean;
  now?: Date;
}

export type ArtefactKind = "secrets" | "machineconfig" | "talosconfig" | "kubeconfig";

export interface WrittenArtefact {
  path: string;
  kind: ArtefactKind;
  node?: string;
  mode: string;
  /** false when the file already held exactly these bytes. */
  changed: boolean;
  note?: string;
}

export interface RenderReport {
  cluster: string;
  talosVersion: string;
  contract: string;
  artefacts: WrittenArtefact[];
  /** The platform add-ons' GitOps tree, written to <out>/gitops. */
  gitops: GitopsReport;
  warnings: string[];
}

/** Where cairn keeps a cluster's secrets, configs, credentials and state unless told otherwise. */
export function clusterDir(specFile: string, clusterName: string): string {
  return join(dirname(resolve(specFile)), ".cairn", clusterName);
}

/** Credentials are renewed when they expire within this window, as `cairn health` warns. */
const RENEW_WITHIN_MS = 30 * 24 * 3600 * 1000;

export async function runRender(options: RenderOptions): Promise<RenderReport> {
  const now = options.now ?? new Date();
  const { model, warnings } = requireModel(options.file);
  const out = resolve(options.out ?? clusterDir(options.file, model.name));
  const secretsPath = resolve(options.secrets ?? join(out, "secrets.yaml"));
  const artefacts: WrittenArtefact[] = [];
  const pending: { path: string; content: string; kind: ArtefactKind; node?: string; note?: string }[] = [];

  // 1. Secrets: load if present; create only when there is nothing that depends on older ones.
  let bundle: SecretsBundle;
  let authorities: BundleAuthorities;
  if (existsSync(secretsPath) && !options.newSecrets) {
    ({ bundle, authorities } = await readSecretsBundleFile(
      secretsPath,
      options.ageIdentity ? { identityFile: options.ageIdentity } : {},
    ));
  } else {
    if (existsSync(secretsPath) && options.newSecrets) {
      throw new UserError(`${secretsPath} exists; cairn never replaces cluster secrets in place`, {
        hint: "move it away first if you really mean to build a new cluster identity (nodes configured from it will reject new credentials)",
      });
    }
    const nodesDir = join(out, "nodes");
    if (
      existsSync(nodesDir) &&
      readdirSync(nodesDir).some((f) => f.endsWith(".yaml")) &&
      !options.newSecrets
    ) {
      throw new UserError(
        `${secretsPath} is missing, but ${nodesDir} holds configs rendered from earlier secrets`,
        {
          hint: "restore the secrets file (or pass --secrets FILE); to deliberately start a new cluster identity, pass --new-secrets",
        },
      );
    }
    bundle = await generateSecretsBundle({ now, contract: model.contract });
    const content = await renderSecretsBundleFile(
      bundle,
      options.ageRecipient?.length ? { recipients: options.ageRecipient } : {},
    );
    pending.push({ path: secretsPath, content, kind: "secrets", note: "new cluster secrets" });
    authorities = validateSecretsBundle(bundle, secretsPath);
  }

  // 2. Machine configs (pure; throws before anything is written if one is invalid).
  const specDir = dirname(resolve(options.file));
  const readFile = (p: string) => {
    try {
      return readFileSync(resolve(specDir, p), "utf8");
    } catch (e) {
      throw new UserError(
        `config patch file ${p} (relative to ${specDir}) cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  };
  for (const r of renderMachineConfigs(model, bundle, readFile)) {
    pending.push({
      path: join(out, "nodes", `${r.node}.yaml`),
      content: r.text,
      kind: "machineconfig",
      node: r.node,
    });
  }

  // 3. Client credentials, reused while still good for this cluster.
  const talosconfigPath = join(out, "talosconfig");
  const endpoints = model.nodes.filter((n) => n.role === "controlplane" && n.address).map((n) => n.address!);
  const keepTalos = reusableTalosconfig(talosconfigPath, model, authorities.os.certPem, endpoints, now);
  if (!keepTalos) {
    const t = await buildTalosconfig(authorities.os, { context: model.name, endpoints, now });
    pending.push({
      path: talosconfigPath,
      content: t.text,
      kind: "talosconfig",
      note: `client certificate valid until ${t.cert.notAfter.toISOString()}`,
    });
  } else artefacts.push({ path: talosconfigPath, kind: "talosconfig", mode: "0600", changed: false });

  const kubeconfigPath = join(out, "kubeconfig");
  if (!reusableKubeconfig(kubeconfigPath, model, now)) {
    const k = await buildAdminKubeconfig(authorities.k8s, {
      clusterName: model.name,
      endpoint: model.endpoint.url,
      now,
    });
    pending.push({
      path: kubeconfigPath,
      content: k.text,
      kind: "kubeconfig",
      note: `admin certificate valid until ${k.cert.notAfter.toISOString()}`,
    });
  } else artefacts.push({ path: kubeconfigPath, kind: "kubeconfig", mode: "0600", changed: false });

  // 4. Write (secrets first, so a crash never leaves configs without the secrets they came from).
  for (const p of pending) {
    const changed = !existsSync(p.path) || readFileSync(p.path, "utf8") !== p.content;
    if (changed) writeFileAtomic(p.path, p.content, { mode: SECRET_FILE_MODE });
    artefacts.push({
      path: p.path,
      kind: p.kind,
      ...(p.node ? { node: p.node } : {}),
      mode: "0600",
      changed,
      ...(p.note && changed ? { note: p.note } : {}),
    });
  }
  // 5. The GitOps tree (plain 0644 files: it holds no secret and is meant to be committed).
  const gitopsDir = join(out, "gitops");
  const tree = gitopsTree(model);
  const gitops = gitopsReport(tree, gitopsDir, writeTree(gitopsDir, tree.files));
  const order: ArtefactKind[] = ["secrets", "machineconfig", "talosconfig", "kubeconfig"];
  artefacts.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || a.path.localeCompare(b.path));
  return {
    cluster: model.name,
    talosVersion: model.talosVersion,
    contract: model.contract,
    artefacts,
    gitops,
    warnings: warnings.map(formatDiagnosticText),
  };
}

function reusableTalosconfig(
  path: string,
  model: Model,
  caPem: string,
  endpoints: string[],
  now: Date,
): boolean {
  if (!existsSync(path)) return false;
  try {
    const ctx = parseTalosconfig(readFileSync(path, "utf8"), model.name, path);
    if (ctx.caPem.trim() !== caPem.trim()) return false;
    if (JSON.stringify(ctx.endpoints) !== JSON.stringify(endpoints)) return false;
    const cert = parseCertificate(ctx.certPem);
    return cert.notAfter.getTime() - now.getTime() > RENEW_WITHIN_MS;
  } catch {
    return false;
  }
}

function reusableKubeconfig(path: string, model: Model, now: Date): boolean {
  if (!existsSync(path)) return false;
  try {
    const text = readFileSync(path, "utf8");
    if (!text.includes(`server: ${model.endpoint.url}`)) return false;
    const expiry = kubeconfigExpiry(text, undefined, path);
    return !!expiry && expiry.getTime() - now.getTime() > RENEW_WITHIN_MS;
  } catch {
    return false;
  }
}
