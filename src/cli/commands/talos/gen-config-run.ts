// The effectful half of `cairn talos gen-config`: load or create secrets, generate, patch, encode, write.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { UserError } from "../../../errors.js";
import { SECRET_FILE_MODE, writeFileAtomic } from "../../../io/files.js";
import type { Io } from "../../output.js";
import { encodeConfigDocuments } from "../../../talos/config/encode.js";
import { generateMachineConfig } from "../../../talos/config/generate.js";
import type { GenerateInput } from "../../../talos/config/generate.js";
import { formatTalosValidationErrors, validateTalosDocuments } from "../../../talos/config/validate.js";
import { v1alpha1Conflicts } from "../../../talos/config/conflicts.js";
import { applyPatches, loadPatches } from "../../../talos/patch/index.js";
import type { ConfigDocument } from "../../../talos/patch/index.js";
import { readSecretsBundleFile } from "../../../talos/secrets/files.js";
import { generateSecretsBundle } from "../../../talos/secrets/generate.js";
import { validateSecretsBundle } from "../../../talos/secrets/validate.js";
import { buildTalosconfig } from "../../../talos/talosconfig.js";
import { EMPTY_SCHEMATIC_ID } from "../../../talos/schematic/schematic.js";
import { installerImage } from "../../../talos/schematic/urls.js";
import {
  CONTRACTS,
  DEFAULT_TALOS_VERSION,
  compareMinor,
  contractFor,
  kubernetesSupported,
  parseVersion,
  talosMinor,
} from "../../../talos/versions.js";
import type { Contract } from "../../../talos/versions.js";

export interface GenConfigFlags {
  withSecrets?: string;
  ageIdentity?: string;
  talosVersion?: string;
  kubernetesVersion?: string;
  additionalSans: string[];
  installDisk: string;
  installImage?: string;
  dnsDomain: string;
  registryMirror: string[];
  configPatch: string[];
  configPatchControlPlane: string[];
  configPatchWorker: string[];
  withKubespan: boolean;
  withClusterDiscovery: boolean;
  withDocs: boolean;
  withExamples: boolean;
  allowSchedulingOnControlPlanes: boolean;
  localApiServerPort?: number;
  sysctl: string[];
  installExtraKernelArgs: string[];
  customCniUrl?: string;
  outputTypes: string[];
  output?: string;
  force: boolean;
}

const OUTPUT_TYPES = ["controlplane", "worker", "talosconfig"] as const;
type OutputType = (typeof OUTPUT_TYPES)[number];
const DEFAULT_CONTROL_PLANE_PORT = 6443;
const INSTALLER_REPOSITORY = "ghcr.io/siderolabs/installer";

/**
 * talosctl's default --install-image: ghcr.io/siderolabs/installer up to 1.13; 1.14 drops that image and defaults
 * to the Image Factory's metal installer of the empty schematic (pkg/images InstallerImageRepository("metal")).
 */
export function defaultInstallImage(contract: Contract, talosPatch: string): string {
  if (compareMinor(contract, "1.14") < 0) return `${INSTALLER_REPOSITORY}:v${talosPatch}`;
  return installerImage({
    schematicId: EMPTY_SCHEMATIC_ID,
    talosVersion: `v${talosPatch}`,
    platform: "metal",
  });
}

/** `--sysctl KEY=VALUE` flags → the sysctls map (a repeated key keeps the last value, as Go's map does). */
export function parseSysctls(specs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq <= 0) {
      throw new UserError(`invalid --sysctl ${JSON.stringify(spec)}`, {
        hint: "use KEY=VALUE, e.g. --sysctl net.core.somaxconn=65535",
      });
    }
    out[spec.slice(0, eq)] = spec.slice(eq + 1);
  }
  return out;
}

export interface GenConfigDeps {
  now?: () => Date;
  cwd?: string;
  readFile?: (path: string) => string;
}

/**
 * talosctl's endpoint check: an https:// URL with a port. Anything else is refused with the URL it would accept
 * (scheme https, port 6443 when none was given).
 */
export function checkClusterEndpoint(endpoint: string): void {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/.exec(endpoint);
  const authority = m ? m[2]! : endpoint.split("/", 1)[0]!;
  const hasPort = /:\d+$/.test(authority) && !/^\[[^\]]*\]$/.test(authority);
  const suggestion = `https://${authority}${hasPort ? "" : `:${DEFAULT_CONTROL_PLANE_PORT}`}${m ? m[3]! : ""}`;
  const refuse = (problem: string) =>
    new UserError(`${problem}: ${JSON.stringify(endpoint)}`, { hint: `try: "${suggestion}"` });
  if (!m) {
    throw refuse(
      hasPort
        ? "no scheme specified for the cluster endpoint URL"
        : "no scheme and port specified for the cluster endpoint URL",
    );
  }
  if (m[1]!.toLowerCase() !== "https")
    throw refuse("the control plane endpoint URL should have scheme https://");
  if (authority === "" || authority.startsWith(":")) throw refuse("the cluster endpoint URL has no host");
  if (!hasPort) throw refuse("the cluster endpoint URL needs a port");
}

function parseOutputTypes(types: readonly string[]): OutputType[] {
  const chosen = types.length === 0 ? [...OUTPUT_TYPES] : [...new Set(types)];
  const bad = chosen.filter((t) => !(OUTPUT_TYPES as readonly string[]).includes(t));
  if (bad.length > 0) {
    throw new UserError(
      `invalid output type${bad.length > 1 ? "s" : ""}: ${bad.map((t) => JSON.stringify(t)).join(", ")}`,
      {
        hint: `choose from ${OUTPUT_TYPES.join(", ")}`,
      },
    );
  }
  return chosen as OutputType[];
}

function parseRegistryMirrors(specs: readonly string[]): Record<string, string[]> {
  const mirrors: Record<string, string[]> = {};
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq < 0) {
      throw new UserError(`invalid registry mirror spec: ${JSON.stringify(spec)}`, {
        hint: "use <registry host>=<mirror URL>, e.g. docker.io=https://mirror.example.com",
      });
    }
    (mirrors[spec.slice(0, eq)] ??= []).push(spec.slice(eq + 1));
  }
  return mirrors;
}

function resolveContract(talosVersion: string | undefined) {
  const version = talosVersion ?? DEFAULT_TALOS_VERSION;
  const contract = parseVersion(version) ? contractFor(version) : undefined;
  if (!contract) {
    throw new UserError(`unsupported --talos-version ${JSON.stringify(version)}`, {
      hint: `cairn generates configs for Talos ${CONTRACTS.map((c) => `v${c}`).join(", ")}`,
    });
  }
  return { contract, minor: talosMinor(version)! };
}

export async function runGenConfig(
  clusterName: string,
  endpoint: string,
  flags: GenConfigFlags,
  io: Io,
  deps: GenConfigDeps = {},
): Promise<void> {
  const now = (deps.now ?? (() => new Date()))();
  const readFile = deps.readFile ?? ((p: string) => readFileSync(p, "utf8"));
  checkClusterEndpoint(endpoint);
  if (flags.withDocs || flags.withExamples) {
    throw new UserError(
      `--${flags.withDocs ? "with-docs" : "with-examples"}: cairn does not write commented configs`,
      {
        hint:
          "cairn's output is talosctl's `gen config --with-docs=false --with-examples=false`, byte for byte; " +
          "drop the flag (the field reference is `cairn talos gen-config --help` and talos.dev's configuration docs)",
      },
    );
  }
  const outputTypes = parseOutputTypes(flags.outputTypes);
  if (flags.output === "-" && outputTypes.length > 1) {
    throw new UserError("can't use multiple output types with stdout", {
      hint: "pick one with --output-types controlplane|worker|talosconfig",
    });
  }
  const { contract, minor } = resolveContract(flags.talosVersion);
  const kubernetesVersion = (flags.kubernetesVersion ?? minor.defaultKubernetes).replace(/^v/, "");
  if (kubernetesVersion !== "" && !kubernetesSupported(minor, kubernetesVersion)) {
    io.err(
      `warning: Kubernetes ${kubernetesVersion} is outside Talos ${minor.minor}'s supported range ` +
        `${minor.kubernetesMin}–${minor.kubernetesMax}\n`,
    );
  }
  const registryMirrors = parseRegistryMirrors(flags.registryMirror);
  const sysctls = parseSysctls(flags.sysctl ?? []);
  const kernelArgs = flags.installExtraKernelArgs ?? [];
  if (kernelArgs.length > 0 && compareMinor(contract, "1.14") >= 0) {
    io.err(
      "warning: Talos 1.14 has no install.extraKernelArgs: --install-extra-kernel-args is ignored, as Talos" +
        "' generator ignores it; put kernel arguments in the Image Factory schematic (customization.extraKernelArgs)\n",
    );
  }
  if (flags.customCniUrl !== undefined) {
    let ok = false;
    try {
      ok = ["http:", "https:"].includes(new URL(flags.customCniUrl).protocol);
    } catch {
      ok = false;
    }
    if (!ok)
      throw new UserError(`invalid --custom-cni-url ${JSON.stringify(flags.customCniUrl)}`, {
        hint: "give the URL of the CNI's manifest, e.g. https://example.com/cni.yaml",
      });
  }
  const patches = loadPatches(flags.configPatch, readFile);
  const cpPatches = loadPatches(flags.configPatchControlPlane, readFile);
  const workerPatches = loadPatches(flags.configPatchWorker, readFile);

  const secrets = flags.withSecrets
    ? (
        await readSecretsBundleFile(
          flags.withSecrets,
          flags.ageIdentity ? { identityFile: flags.ageIdentity } : {},
        )
      ).bundle
    : await generateSecretsBundle({ now, contract });

  const input: GenerateInput = {
    clusterName,
    endpoint,
    kubernetesVersion,
    secrets,
    contract,
    options: {
      installDisk: flags.installDisk,
      installImage: flags.installImage ?? defaultInstallImage(contract, minor.latestPatch),
      additionalSANs: flags.additionalSans,
      dnsDomain: flags.dnsDomain,
      clusterDiscovery: flags.withClusterDiscovery,
      registryMirrors,
      ...(flags.allowSchedulingOnControlPlanes ? { allowSchedulingOnControlPlanes: true } : {}),
      ...(flags.localApiServerPort ? { localAPIServerPort: flags.localApiServerPort } : {}),
      ...(Object.keys(sysctls).length > 0 ? { sysctls } : {}),
      ...(kernelArgs.length > 0 ? { installExtraKernelArgs: kernelArgs } : {}),
      ...(flags.customCniUrl ? { customCNIURL: flags.customCniUrl } : {}),
      ...(flags.withKubespan ? { kubeSpan: true } : {}),
    },
  };

  const render = (type: "controlplane" | "worker"): string => {
    let docs: ConfigDocument[] = generateMachineConfig(input, type);
    docs = applyPatches(docs, patches);
    docs = applyPatches(docs, type === "worker" ? workerPatches : cpPatches);
    const problems = validateTalosDocuments(docs, contract);
    if (problems.length > 0) {
      io.err(
        `warning: the ${type} config does not match the Talos ${contract} schema:\n${formatTalosValidationErrors(problems)}\n`,
      );
    }
    // A patch that sets a deprecated v1alpha1 field next to the document that replaces it: Talos refuses the pair.
    for (const c of v1alpha1Conflicts(docs)) io.err(`warning: the ${type} config: ${c.message}\n`);
    return encodeConfigDocuments(docs, contract);
  };

  const outputs: { type: OutputType; name: string; content: () => Promise<string> }[] = [];
  for (const type of outputTypes) {
    if (type === "talosconfig") {
      outputs.push({
        type,
        name: "talosconfig",
        content: async () => {
          const { os } = validateSecretsBundle(secrets, flags.withSecrets ?? "generated secrets");
          return (await buildTalosconfig(os, { context: clusterName, now })).text;
        },
      });
    } else outputs.push({ type, name: `${type}.yaml`, content: async () => render(type) });
  }

  const cwd = deps.cwd ?? process.cwd();
  const singleFile = flags.output !== undefined && flags.output !== "-" && outputTypes.length === 1;
  const pathOf = (name: string) =>
    singleFile ? resolve(cwd, flags.output!) : resolve(cwd, flags.output ?? "", name);

  if (flags.output !== "-" && !flags.force) {
    const existing = outputs.map((o) => pathOf(o.name)).filter((p) => existsSync(p));
    if (existing.length > 0) {
      throw new UserError(
        `${existing.map((p) => JSON.stringify(p)).join(", ")} already exist${existing.length > 1 ? "" : "s"}`,
        {
          hint: "use --force to overwrite, or -o to write elsewhere",
        },
      );
    }
  }

  if (singleFile && existsSync(pathOf("")) && statSync(pathOf("")).isDirectory()) {
    throw new UserError(`${pathOf("")} is a directory, but with one output type -o names the file to write`, {
      hint: `use -o ${join(flags.output!, outputs[0]!.name)}, or drop --output-types to write every file into the directory`,
    });
  }

  for (const o of outputs) {
    const content = await o.content();
    if (flags.output === "-") {
      io.out(content);
      continue;
    }
    const path = pathOf(o.name);
    try {
      // talosctl writes these 0644, but every one of them holds private keys or tokens (the CAs and the
      // bootstrap token in the configs, the client key in talosconfig): cairn keeps secrets 0600.
      writeFileAtomic(path, content, { mode: SECRET_FILE_MODE });
    } catch (e) {
      throw new UserError(`cannot write ${path}: ${(e as Error).message}`, { cause: e });
    }
    io.err(`Created ${path}\n`);
  }
}
