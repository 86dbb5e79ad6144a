// Talos ↔ Kubernetes support matrix (research/talos.md §8, from pkg/machinery/compatibility at each tag).
// cairn pins its own table per Talos minor, as Talos' own constants do.

export interface TalosMinor {
  /** "1.11" */
  minor: string;
  /** Oldest and newest supported Kubernetes minor, "1.29" … "1.34". */
  kubernetesMin: string;
  kubernetesMax: string;
  /** Kubernetes version a fresh config of this Talos minor defaults to. */
  defaultKubernetes: string;
  /** Newest Talos patch release cairn knows for this minor. */
  latestPatch: string;
  /** Oldest Talos minor that may upgrade straight to this one. */
  upgradeFrom: string;
}

export const TALOS_MINORS: readonly TalosMinor[] = [
  {
    minor: "1.8",
    kubernetesMin: "1.26",
    kubernetesMax: "1.31",
    defaultKubernetes: "1.31.4",
    latestPatch: "1.8.4",
    upgradeFrom: "1.5",
  },
  {
    minor: "1.9",
    kubernetesMin: "1.27",
    kubernetesMax: "1.32",
    defaultKubernetes: "1.32.4",
    latestPatch: "1.9.6",
    upgradeFrom: "1.8",
  },
  {
    minor: "1.10",
    kubernetesMin: "1.28",
    kubernetesMax: "1.33",
    defaultKubernetes: "1.33.6",
    latestPatch: "1.10.9",
    upgradeFrom: "1.8",
  },
  {
    minor: "1.11",
    kubernetesMin: "1.29",
    kubernetesMax: "1.34",
    defaultKubernetes: "1.34.1",
    latestPatch: "1.11.6",
    upgradeFrom: "1.9",
  },
  {
    minor: "1.12",
    kubernetesMin: "1.30",
    kubernetesMax: "1.35",
    defaultKubernetes: "1.35.4",
    latestPatch: "1.12.11",
    upgradeFrom: "1.10",
  },
  {
    minor: "1.13",
    kubernetesMin: "1.31",
    kubernetesMax: "1.36",
    defaultKubernetes: "1.36.3",
    latestPatch: "1.13.9",
    upgradeFrom: "1.11",
  },
  {
    // From v1.14.0-rc.1 (compatibility/talos114: Kubernetes 1.32–1.37, upgrades from 1.12). Its built-in default
    // Kubernetes is 1.37.0-rc.0, a pre-release; cairn defaults to the newest GA release inside the window instead.
    minor: "1.14",
    kubernetesMin: "1.32",
    kubernetesMax: "1.37",
    defaultKubernetes: "1.36.3",
    latestPatch: "1.14.0",
    upgradeFrom: "1.12",
  },
];

/** The config contracts cairn generates, oldest first. */
export type Contract = "1.8" | "1.9" | "1.10" | "1.11" | "1.12" | "1.13" | "1.14";
export const CONTRACTS = TALOS_MINORS.map((m) => m.minor as Contract);
export const DEFAULT_TALOS_VERSION = "v1.13.9";

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  pre: string;
}

const SEMVER = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?$/;

export function parseVersion(text: string): SemVer | undefined {
  const m = SEMVER.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), pre: m[4] ?? "" };
}

export function minorOf(v: SemVer): string {
  return `${v.major}.${v.minor}`;
}

/** Compares "1.29" style minors numerically. */
export function compareMinor(a: string, b: string): number {
  const [am, an] = a.split(".").map(Number) as [number, number];
  const [bm, bn] = b.split(".").map(Number) as [number, number];
  return am - bm || an - bn;
}

export function compareVersions(a: SemVer, b: SemVer): number {
  return (
    a.major - b.major ||
    a.minor - b.minor ||
    a.patch - b.patch ||
    (a.pre === b.pre ? 0 : a.pre === "" ? 1 : b.pre === "" ? -1 : a.pre < b.pre ? -1 : 1)
  );
}

export function talosMinor(version: string): TalosMinor | undefined {
  const v = parseVersion(version);
  return v ? TALOS_MINORS.find((m) => m.minor === minorOf(v)) : undefined;
}

/** The contract for a Talos version ("v1.11.5" → "1.11"), or undefined when cairn does not support it. */
export function contractFor(version: string): Contract | undefined {
  return talosMinor(version)?.minor as Contract | undefined;
}

/** Is this Kubernetes version inside the Talos minor's supported window? */
export function kubernetesSupported(talos: TalosMinor, kubernetes: string): boolean {
  const k = parseVersion(kubernetes);
  if (!k) return false;
  const km = minorOf(k);
  return compareMinor(km, talos.kubernetesMin) >= 0 && compareMinor(km, talos.kubernetesMax) <= 0;
}

/** Can a node running `from` upgrade straight to `to` (research §8 "upgrade from ≥")? */
export function upgradeSupported(from: string, to: string): boolean {
  const f = parseVersion(from);
  const target = talosMinor(to);
  if (!f || !target) return false;
  return compareMinor(minorOf(f), target.upgradeFrom) >= 0;
}

/** "v1.13.9" with a leading v; undefined when not a version. */
export function normaliseTalosVersion(text: string): string | undefined {
  const v = parseVersion(text);
  if (!v) return undefined;
  return `v${v.major}.${v.minor}.${v.patch}${v.pre ? `-${v.pre}` : ""}`;
}
