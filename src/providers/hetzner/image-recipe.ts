// `cairn image hetzner`: Hetzner has no image upload, so a Talos image is made the way Sidero documents it: a small
// temporary server boots the rescue system, writes the Image Factory hcloud image for the schematic onto its disk,
// powers off, and is snapshotted with labels cairn later selects the snapshot by; then the temporary server and
// SSH key are deleted. The recipe is data (printed as is without --yes); runImageRecipe performs it, with the one
// non-API step (the shell in the rescue system) handed to an injected runner.
import type { Action, HetznerClient, Image } from "./client.js";
import { labelSelector } from "./labels.js";

const FACTORY_URL = "https://factory.talos.dev";

export interface ImageRecipeInput {
  /** Image Factory schematic id (64 hex digits). */
  schematic: string;
  /** Talos version, e.g. v1.11.5. */
  talosVersion: string;
  arch: "x86" | "arm";
  /** Where the temporary server runs (a snapshot is usable in every location). */
  location: string;
  /** Temporary server type; default cx23 (x86) or cax11 (arm), the smallest of each. */
  serverType?: string;
  /** The public half of a throwaway key the rescue system accepts (OpenSSH format). */
  sshPublicKey: string;
  factoryUrl?: string;
}

/** A value filled in from an earlier step's answer, written {name} in paths and bodies. */
type Placeholder = "{sshKey.id}" | "{server.id}" | "{server.ipv4}";

export interface ApiStep {
  kind: "api";
  id: string;
  title: string;
  method: "GET" | "POST" | "DELETE";
  path: string;
  body?: unknown;
  /** Values to remember from the answer: name → dotted path in the JSON answer. */
  capture?: Record<string, string>;
  /** Wait for the actions in the answer (action, actions, next_actions) to succeed. */
  waitActions?: boolean;
  /** Then poll GET `path` until the dotted `field` equals `equals`. */
  waitFor?: { path: string; field: string; equals: string };
}

interface RescueStep {
  kind: "rescue-shell";
  id: string;
  title: string;
  /** root@{server.ipv4}, authenticated with the throwaway key. */
  host: Placeholder;
  script: string;
}

export type RecipeStep = ApiStep | RescueStep;

export interface ImageRecipe {
  /** The Image Factory disk image written in the rescue system. */
  imageUrl: string;
  /** Labels of the resulting snapshot; `selector` finds it (GET /images?type=snapshot&label_selector=…). */
  labels: Record<string, string>;
  selector: string;
  /** Label on the temporary server and key, so a rerun finds and removes leftovers of a killed run. */
  buildLabels: Record<string, string>;
  steps: RecipeStep[];
}

const HEX64 = /^[0-9a-f]{64}$/;
const VERSION_RE = /^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** Labels of the snapshot for a schematic and version (a schematic id is 64 hex; label values hold 63). */
export function imageLabels(
  schematic: string,
  talosVersion: string,
  arch: "x86" | "arm",
): Record<string, string> {
  return {
    os: "talos",
    "cairn.dev/talos-version": talosVersion,
    "cairn.dev/schematic": schematic.slice(0, 32),
    "cairn.dev/arch": arch,
  };
}

export function hetznerImageRecipe(input: ImageRecipeInput): ImageRecipe {
  if (!HEX64.test(input.schematic))
    throw new Error(`schematic "${input.schematic}" is not an Image Factory schematic id (64 hex digits)`);
  if (!VERSION_RE.test(input.talosVersion))
    throw new Error(`Talos version "${input.talosVersion}" is not vX.Y.Z`);
  const platformArch = input.arch === "arm" ? "arm64" : "amd64";
  const imageUrl = `${(input.factoryUrl ?? FACTORY_URL).replace(/\/+$/, "")}/image/${input.schematic}/${input.talosVersion}/hcloud-${platformArch}.raw.xz`;
  const labels = imageLabels(input.schematic, input.talosVersion, input.arch);
  const tag = `${input.schematic.slice(0, 8)}-${input.talosVersion.replace(/\./g, "-")}`;
  const buildLabels = { "cairn.dev/image-build": tag };
  const name = `cairn-image-${tag}`;
  const serverType = input.serverType ?? (input.arch === "arm" ? "cax11" : "cx23");
  const script = [
    "set -eu",
    "blkdiscard --force /dev/sda 2>/dev/null || true",
    `wget -q -O - '${imageUrl}' | xz -d | dd of=/dev/sda bs=4M conv=fsync status=none`,
    "sync",
    "poweroff",
  ].join("\n");
  const steps: RecipeStep[] = [
    {
      kind: "api",
      id: "ssh-key",
      title: "upload a throwaway SSH key for the rescue system",
      method: "POST",
      path: "/ssh_keys",
      body: { name, public_key: input.sshPublicKey, labels: buildLabels },
      capture: { "sshKey.id": "ssh_key.id" },
    },
    {
      kind: "api",
      id: "server",
      title: `create a temporary ${serverType} server in ${input.location} (stopped)`,
      method: "POST",
      path: "/servers",
      body: {
        name,
        server_type: serverType,
        image: "debian-12",
        location: input.location,
        start_after_create: false,
        ssh_keys: ["{sshKey.id}"],
        labels: buildLabels,
      },
      capture: { "server.id": "server.id", "server.ipv4": "server.public_net.ipv4.ip" },
      waitActions: true,
    },
    {
      kind: "api",
      id: "rescue",
      title: "enable the rescue system with the throwaway key",
      method: "POST",
      path: "/servers/{server.id}/actions/enable_rescue",
      body: { type: "linux64", ssh_keys: ["{sshKey.id}"] },
      waitActions: true,
    },
    {
      kind: "api",
      id: "poweron",
      title: "boot the rescue system",
      method: "POST",
      path: "/servers/{server.id}/actions/poweron",
      waitActions: true,
    },
    {
      kind: "rescue-shell",
      id: "write",
      title: `write ${imageUrl} to the disk and power off`,
      host: "{server.ipv4}",
      script,
    },
    {
      kind: "api",
      id: "wait-off",
      title: "wait until the server is off",
      method: "GET",
      path: "/servers/{server.id}",
      waitFor: { path: "/servers/{server.id}", field: "server.status", equals: "off" },
    },
    {
      kind: "api",
      id: "snapshot",
      title: `snapshot the disk as the Talos ${input.talosVersion} image (labels ${labelSelector(labels)})`,
      method: "POST",
      path: "/servers/{server.id}/actions/create_image",
      body: {
        type: "snapshot",
        description: `Talos ${input.talosVersion} hcloud ${platformArch} schematic ${input.schematic}`,
        labels,
      },
      waitActions: true,
    },
    {
      kind: "api",
      id: "delete-server",
      title: "delete the temporary server",
      method: "DELETE",
      path: "/servers/{server.id}",
      waitActions: true,
    },
    {
      kind: "api",
      id: "delete-key",
      title: "delete the throwaway SSH key",
      method: "DELETE",
      path: "/ssh_keys/{sshKey.id}",
    },
  ];
  return { imageUrl, labels, selector: labelSelector(labels), buildLabels, steps };
}

// ---- performing it ---------------------------------------------------------------------------------------------

function dig(value: unknown, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>(
      (v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined),
      value,
    );
}

/** Substitutes {name} placeholders; a value that is exactly one placeholder keeps the variable's type (ids). */
export function fillPlaceholders<T>(value: T, vars: Record<string, string | number>): T {
  const fill = (v: unknown): unknown => {
    if (typeof v === "string") {
      const whole = /^\{([a-zA-Z0-9.]+)\}$/.exec(v);
      if (whole && vars[whole[1]!] !== undefined) return vars[whole[1]!];
      return v.replace(/\{([a-zA-Z0-9.]+)\}/g, (m, k: string) =>
        vars[k] !== undefined ? String(vars[k]) : m,
      );
    }
    if (Array.isArray(v)) return v.map(fill);
    if (v && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
    return v;
  };
  return fill(value) as T;
}

export interface RecipeRunOptions {
  /** Runs the rescue-system script as root on `host` (the real one uses OpenSSH with the throwaway key). */
  runRescueShell: (host: string, script: string) => Promise<void>;
  onStep?: (step: RecipeStep) => void;
  /** Poll interval for waitFor steps; the client's clock does the sleeping. */
  sleep?: (ms: number) => Promise<void>;
  timeoutMs?: number;
}

export interface RecipeRunResult {
  image: Image;
  /** True when a snapshot with the labels already existed and nothing was done. */
  reused: boolean;
  /** Temporary servers and keys of an earlier, interrupted run that were removed first. */
  removedLeftovers: string[];
}

/**
 * Performs the recipe: reuses an available snapshot with the labels if there is one, removes leftovers of an
 * interrupted build (found by the build label), then runs the steps in order.
 */
export async function runImageRecipe(
  client: HetznerClient,
  recipe: ImageRecipe,
  options: RecipeRunOptions,
): Promise<RecipeRunResult> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const existing = (await client.images({ type: "snapshot", label_selector: recipe.selector })).filter(
    (i) => i.status === "available",
  );
  if (existing.length > 0) return { image: existing[0]!, reused: true, removedLeftovers: [] };

  const removedLeftovers: string[] = [];
  const buildSelector = labelSelector(recipe.buildLabels);
  for (const s of await client.servers({ label_selector: buildSelector })) {
    await client.waitAction(await client.deleteServer(s.id));
    removedLeftovers.push(`server ${s.name} (${s.id})`);
  }
  for (const k of await client.sshKeys({ label_selector: buildSelector })) {
    await client.deleteSshKey(k.id);
    removedLeftovers.push(`ssh key ${k.name} (${k.id})`);
  }

  const vars: Record<string, string | number> = {};
  let imageId: number | undefined;
  const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
  for (const step of recipe.steps) {
    options.onStep?.(step);
    if (step.kind === "rescue-shell") {
      await options.runRescueShell(String(fillPlaceholders(step.host, vars)), step.script);
      continue;
    }
    const path = fillPlaceholders(step.path, vars);
    if (step.waitFor) {
      const target = fillPlaceholders(step.waitFor.path, vars);
      while (String(dig(await client.get(target), step.waitFor.field)) !== step.waitFor.equals) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${step.waitFor.field} = ${step.waitFor.equals}`);
        await sleep(1000);
      }
      continue;
    }
    const answer = await client.request<Record<string, unknown>>(
      step.method,
      path,
      step.body === undefined ? {} : { body: fillPlaceholders(step.body, vars) },
    );
    for (const [name, at] of Object.entries(step.capture ?? {})) {
      const v = dig(answer, at);
      if (typeof v === "string" || typeof v === "number") vars[name] = v;
    }
    if (step.id === "snapshot") imageId = (dig(answer, "image.id") as number | undefined) ?? imageId;
    if (step.waitActions) {
      const actions = [
        answer.action,
        ...((answer.actions as unknown[]) ?? []),
        ...((answer.next_actions as unknown[]) ?? []),
      ].filter((a): a is Action => !!a && typeof a === "object" && typeof (a as Action).id === "number");
      if (actions.length) await client.waitActions(actions);
    }
  }
  if (imageId === undefined) throw new Error("the snapshot step returned no image");
  return { image: await client.image(imageId), reused: false, removedLeftovers };
}

/** The snapshot for a schematic+version+arch, if one is available (what plan looks for). */
export async function findTalosSnapshot(
  client: HetznerClient,
  schematic: string,
  talosVersion: string,
  arch: "x86" | "arm",
): Promise<Image | undefined> {
  const images = await client.images({
    type: "snapshot",
    label_selector: labelSelector(imageLabels(schematic, talosVersion, arch)),
  });
  return images.filter((i) => i.status === "available").sort((a, b) => b.id - a.id)[0];
}
