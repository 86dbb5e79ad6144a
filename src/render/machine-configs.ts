// Model + secrets → one machine config per node, exactly as talosctl would generate it for the node's role and
// contract, with the model's facts patched in and the user's patches applied last. Pure and deterministic:
// the same model and secrets give the same bytes.
import { generateMachineConfig, type GenerateOptions } from "../talos/config/generate.js";
import { encodeConfigDocuments } from "../talos/config/encode.js";
import { validateTalosDocuments, formatTalosValidationErrors } from "../talos/config/validate.js";
import { pemFieldProblems } from "../talos/config/pem-fields.js";
import {
  applyPatches,
  applyStrategicMerge,
  loadPatch,
  strategicMerge,
  strategicPatch,
  type ConfigDocument,
  type Patch,
  type ReadFile,
} from "../talos/patch/index.js";
import { schematicId, type Schematic } from "../talos/schematic/schematic.js";
import { installerImage } from "../talos/schematic/urls.js";
import type { SecretsBundle } from "../talos/secrets/bundle.js";
import type { Model, ModelNode } from "../clusterspec/model.js";
import type { ConfigPatchSpec, SchematicSpec } from "../clusterspec/schema.js";
import { UserError } from "../errors.js";
import type { FieldPath } from "../findings.js";
import { nodeConfigParts } from "./node-patch.js";
import { nodeDocuments114 } from "./documents-1.14.js";
import { v1alpha1Conflicts } from "../talos/config/conflicts.js";
import { compareMinor, contractFor, kubernetesSupported, talosMinor } from "../talos/versions.js";
import { addonTalosPatches } from "../addons/index.js";

export interface RenderedNodeConfig {
  node: string;
  role: ModelNode["role"];
  /** The machine config text, ready for ApplyConfiguration. */
  text: string;
  schematicId: string;
  installerImage: string;
}

/** The Image Factory schematic of a node's spec, in the factory's own shape. */
export function factorySchematic(s: SchematicSpec): Schematic {
  const customization: NonNullable<Schematic["customization"]> = {};
  if (s.extraKernelArgs?.length) customization.extraKernelArgs = [...s.extraKernelArgs];
  if (s.meta?.length) customization.meta = s.meta.map((m) => ({ key: m.key, value: m.value }));
  if (s.extensions?.length) customization.systemExtensions = { officialExtensions: [...s.extensions] };
  const schematic: Schematic = { customization };
  if (s.overlay) schematic.overlay = { image: s.overlay.image, name: s.overlay.name };
  return schematic;
}

export function nodeInstallerImage(model: Model, node: ModelNode): { id: string; image: string } {
  const id = schematicId(factorySchematic(node.schematic));
  const image =
    model.spec.talos.installImage ??
    installerImage({
      schematicId: id,
      talosVersion: model.talosVersion,
      platform: model.image.platform,
      secureBoot: node.schematic.secureBoot ?? false,
    });
  return { id, image };
}

/** Turns a spec patch (inline object, JSON patch list, or @file/inline text) into a Talos patch. */
export function specPatch(p: ConfigPatchSpec, readFile: ReadFile): Patch {
  if (typeof p === "string") return loadPatch(p, readFile);
  if (Array.isArray(p)) return loadPatch(JSON.stringify(p), readFile);
  return loadPatch(JSON.stringify(p), readFile);
}

/** A node's patches in the order Talos applies them, each with the field of cairn.yaml it came from. */
export function nodePatchSources(
  model: Model,
  node: ModelNode,
): { path: FieldPath; patch: ConfigPatchSpec }[] {
  const t = model.spec.talos;
  const role = node.role === "controlplane" ? "controlPlanePatches" : "workerPatches";
  return [
    ...t.patches.map((patch, i) => ({ path: ["talos", "patches", i] as FieldPath, patch })),
    ...t[role].map((patch, i) => ({ path: ["talos", role, i] as FieldPath, patch })),
    ...node.spec.patches.map((patch, i) => ({
      path: ["nodes", node.index, "patches", i] as FieldPath,
      patch,
    })),
  ];
}

/** How a patch is named in messages: its field, and the file for @file patches. */
export function describePatchSource(path: FieldPath, patch: ConfigPatchSpec): string {
  const field = path.map((p, i) => (typeof p === "number" ? `[${p}]` : i ? `.${p}` : p)).join("");
  return typeof patch === "string" && patch.startsWith("@") ? `${field} (${patch})` : field;
}

/** The node's documents as talosctl would generate them with the model's facts, before the user's patches. */
export function baseNodeDocuments(
  model: Model,
  secrets: SecretsBundle,
  node: ModelNode,
): { docs: ConfigDocument[]; schematicId: string; installerImage: string } {
  const spec = model.spec;
  const { id, image } = nodeInstallerImage(model, node);
  const options: GenerateOptions = {
    installDisk: typeof node.installDisk === "string" ? node.installDisk : "",
    installImage: image,
    dnsDomain: spec.kubernetes.dnsDomain,
    allowSchedulingOnControlPlanes: spec.kubernetes.allowSchedulingOnControlPlanes,
    additionalSANs: [...model.certSANs],
    clusterDiscovery: spec.talos.clusterDiscovery,
    ...(spec.talos.kubespan ? { kubeSpan: true } : {}),
    ...(Object.keys(node.spec.sysctls).length ? { sysctls: { ...node.spec.sysctls } } : {}),
  };
  let docs: ConfigDocument[] = generateMachineConfig(
    {
      clusterName: model.name,
      endpoint: model.endpoint.url,
      kubernetesVersion: model.kubernetesVersion,
      secrets,
      contract: model.contract,
      options,
    },
    node.role,
  );

  dedupeCertSANs(docs[0]!);
  const parts = nodeConfigParts(model, node);
  const multidocKubernetes = compareMinor(model.contract, "1.14") >= 0;
  // The add-ons' Talos patches (CNI, kube-proxy, inline manifests, …) come after the node's facts and before the
  // user's patches; on 1.14 they too move into the documents that carry those settings.
  const addonPatches = addonTalosPatches(model, node);
  if (parts.documents.some((d) => d.kind === "HostnameConfig"))
    docs = docs.filter((d) => d.kind !== "HostnameConfig");
  if (multidocKubernetes) {
    // 1.14 reads the node's facts from documents: merge them onto the generated ones (ResolverConfig, KubeNodeConfig…).
    const nodeDocs = nodeDocuments114(node, parts, image) as ConfigDocument[];
    docs = strategicMerge(docs, strategicPatch(nodeDocs));
    for (const p of addonPatches) {
      const addonDocs = nodeDocuments114(node, { v1alpha1: p, documents: [] }, image) as ConfigDocument[];
      docs = strategicMerge(docs, strategicPatch(addonDocs));
    }
  } else {
    docs[0] = applyStrategicMerge(docs[0]!, parts.v1alpha1 as ConfigDocument);
    for (const p of addonPatches) docs[0] = applyStrategicMerge(docs[0]!, p as ConfigDocument);
    docs.push(...(parts.documents as ConfigDocument[]));
  }
  return { docs, schematicId: id, installerImage: image };
}

export function renderNodeConfig(
  model: Model,
  secrets: SecretsBundle,
  node: ModelNode,
  readFile: ReadFile,
): RenderedNodeConfig {
  const base = baseNodeDocuments(model, secrets, node);
  let docs = base.docs;
  // One patch at a time, so a failure names the field (and file) it came from; `cairn validate` locates it.
  for (const { path, patch } of nodePatchSources(model, node)) {
    try {
      docs = applyPatches(docs, [specPatch(patch, readFile)]);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new UserError(`node ${node.name}: patch ${describePatchSource(path, patch)} failed: ${why}`, {
        hint: "run `cairn validate` for the patch's line; check its paths against this Talos version's config",
      });
    }
  }

  // Nothing leaves cairn that Talos would reject: validate every document against the contract's schema. The
  // documents are validated as data (the encoder writes exactly them), which spares re-parsing 1,000 configs.
  const errors = [...validateTalosDocuments(docs, model.contract), ...pemFieldProblems(docs, model.contract)];
  const conflicts = compareMinor(model.contract, "1.14") >= 0 ? v1alpha1Conflicts(docs) : [];
  if (conflicts.length) {
    throw new UserError(
      `node ${node.name}: the rendered machine config sets a field twice for Talos ${model.contract}:\n` +
        conflicts.map((c) => `  ${c.message}`).join("\n"),
      {
        hint: "Talos 1.14 takes these settings from documents: patch the document instead of the v1alpha1 field",
      },
    );
  }
  if (errors.length) {
    throw new UserError(
      `node ${node.name}: the rendered machine config is not valid for Talos ${model.contract}:\n${formatTalosValidationErrors(errors)}`,
      {
        hint: "a config patch probably sets a field this Talos version does not know: `cairn validate` shows which",
      },
    );
  }
  const text = encodeConfigDocuments(docs, model.contract);
  return {
    node: node.name,
    role: node.role,
    text,
    schematicId: base.schematicId,
    installerImage: base.installerImage,
  };
}

/**
 * talosctl lists the endpoint's host first in apiServer.certSANs, then every --additional-sans entry, without
 * removing repeats; a spec that also names the endpoint (seed 000: 10.8.16.20) would list it twice. Keep each
 * SAN's first place, so the order stays talosctl's.
 */
export function dedupeCertSANs(v1alpha1: ConfigDocument): void {
  const uniq = <T>(list: T): T => (Array.isArray(list) ? ([...new Set(list)] as T) : list);
  const machine = v1alpha1.machine as ConfigDocument | undefined;
  if (machine?.certSANs) machine.certSANs = uniq(machine.certSANs);
  const apiServer = (v1alpha1.cluster as ConfigDocument | undefined)?.apiServer as ConfigDocument | undefined;
  if (apiServer?.certSANs) apiServer.certSANs = uniq(apiServer.certSANs);
}

export function renderMachineConfigs(
  model: Model,
  secrets: SecretsBundle,
  readFile: ReadFile,
): RenderedNodeConfig[] {
  return model.nodes.map((n) => renderNodeConfig(model, secrets, n, readFile));
}

/**
 * The model as it renders for another Talos release: same cluster, the release's version and config contract. A
 * rolling `upgrade talos --to` across a contract (1.13 → 1.14) renders each node with it once the node runs the new
 * release, and applies that config, so the node ends on the new contract and `plan` compares like with like.
 */
export function modelAtTalosVersion(model: Model, talosVersion: string): Model {
  const contract = contractFor(talosVersion);
  const minor = talosMinor(talosVersion);
  if (!contract || !minor)
    throw new UserError(`Talos ${talosVersion} has no config contract in this cairn`, {
      hint: "pick a release cairn supports (cairn validate lists them)",
    });
  if (!kubernetesSupported(minor, model.kubernetesVersion))
    throw new UserError(
      `Kubernetes ${model.kubernetesVersion} is outside Talos ${minor.minor}'s window (${minor.kubernetesMin}–${minor.kubernetesMax})`,
      { hint: `upgrade Kubernetes first (cairn upgrade kubernetes --to ${minor.kubernetesMin}.x)` },
    );
  const version = talosVersion.startsWith("v") ? talosVersion : `v${talosVersion}`;
  return {
    ...model,
    talosVersion: version,
    contract,
    spec: { ...model.spec, talos: { ...model.spec.talos, version } },
  };
}

/** Does upgrading from one release to the other change the machine-config contract (a new minor)? */
export function crossesContract(fromVersion: string, toVersion: string): boolean {
  const a = contractFor(fromVersion);
  const b = contractFor(toVersion);
  return a !== undefined && b !== undefined && a !== b;
}
