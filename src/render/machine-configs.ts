// Model + secrets → one machine config per node, exactly as talosctl would generate it for the node's role and
// contract, with the model's facts patched in and the user's patches applied last. Pure and deterministic:
// the same model and secrets give the same bytes.
import { generateMachineConfig, type GenerateOptions } from "../talos/config/generate.js";
import { encodeConfigDocuments } from "../talos/config/encode.js";
import { validateTalosDocuments, formatTalosValidationErrors } from "../talos/config/validate.js";
import {
  applyPatches,
  applyStrategicMerge,
  loadPatch,
  type ConfigDocument,
  type Patch,
  type ReadFile,
} from "../talos/patch/index.js";
import { schematicId, type Schematic } from "../talos/schematic/schematic.js";
import { installerImage, PROVIDER_PLATFORM } from "../talos/schematic/urls.js";
import type { SecretsBundle } from "../talos/secrets/bundle.js";
import type { Model, ModelNode } from "../clusterspec/model.js";
import type { ConfigPatchSpec, SchematicSpec } from "../clusterspec/schema.js";
import { CairnError, UserError } from "../errors.js";
import { nodeConfigParts } from "./node-patch.js";
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
      platform: PROVIDER_PLATFORM[model.spec.provider.type] ?? "metal",
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

export function renderNodeConfig(
  model: Model,
  secrets: SecretsBundle,
  node: ModelNode,
  readFile: ReadFile,
): RenderedNodeConfig {
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

  const parts = nodeConfigParts(model, node);
  docs[0] = applyStrategicMerge(docs[0]!, parts.v1alpha1 as ConfigDocument);
  // The add-ons' Talos patches (CNI, kube-proxy, inline manifests, …), before the user's.
  for (const p of addonTalosPatches(model, node))
    docs[0] = applyStrategicMerge(docs[0]!, p as ConfigDocument);
  if (parts.documents.some((d) => d.kind === "HostnameConfig"))
    docs = docs.filter((d) => d.kind !== "HostnameConfig");
  docs.push(...(parts.documents as ConfigDocument[]));

  const userPatches = [
    ...spec.talos.patches,
    ...(node.role === "controlplane" ? spec.talos.controlPlanePatches : spec.talos.workerPatches),
    ...node.spec.patches,
  ];
  if (userPatches.length) {
    try {
      docs = applyPatches(
        docs,
        userPatches.map((p) => specPatch(p, readFile)),
      );
    } catch (e) {
      if (e instanceof CairnError) throw e;
      throw new UserError(`node ${node.name}: a config patch failed: ${(e as Error).message}`, {
        hint: "check talos.patches, talos.controlPlanePatches/workerPatches and nodes[].patches",
      });
    }
  }

  // Nothing leaves cairn that Talos would reject: validate every document against the contract's schema. The
  // documents are validated as data (the encoder writes exactly them), which spares re-parsing 1,000 configs.
  const errors = validateTalosDocuments(docs, model.contract);
  if (errors.length) {
    throw new UserError(
      `node ${node.name}: the rendered machine config is not valid for Talos ${model.contract}:\n${formatTalosValidationErrors(errors)}`,
      { hint: "a config patch probably sets a field this Talos version does not know; fix or remove it" },
    );
  }
  const text = encodeConfigDocuments(docs, model.contract);
  return { node: node.name, role: node.role, text, schematicId: id, installerImage: image };
}

export function renderMachineConfigs(
  model: Model,
  secrets: SecretsBundle,
  readFile: ReadFile,
): RenderedNodeConfig[] {
  return model.nodes.map((n) => renderNodeConfig(model, secrets, n, readFile));
}
