// Labels mark what cairn owns in a Hetzner project. Keys are [prefix/]name, values at most 63 characters of
// [a-zA-Z0-9_.-] starting and ending alphanumeric (a sha256 hex is 64: truncate hashes); hetzner.cloud/ is reserved.

export const CLUSTER_LABEL = "cairn.dev/cluster";

const NAME_RE = /^([a-zA-Z0-9]([a-zA-Z0-9_.-]{0,61}[a-zA-Z0-9])?)$/;
const PREFIX_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const VALUE_RE = /^([a-zA-Z0-9]([a-zA-Z0-9_.-]{0,61}[a-zA-Z0-9])?)?$/;

/** Why a label is invalid, or undefined when Hetzner accepts it. */
export function labelProblem(key: string, value: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (!PREFIX_RE.test(prefix) || prefix.length > 253))
    return `label key prefix "${prefix}" is not a DNS subdomain`;
  if (prefix === "hetzner.cloud" || prefix?.endsWith(".hetzner.cloud"))
    return `label key prefix ${prefix} is reserved by Hetzner`;
  if (!NAME_RE.test(name))
    return `label key "${key}" must be at most 63 characters of a-z, A-Z, 0-9, '-', '_', '.', alphanumeric at both ends`;
  if (!VALUE_RE.test(value))
    return `label value "${value}" of ${key} must be at most 63 characters of a-z, A-Z, 0-9, '-', '_', '.', alphanumeric at both ends`;
  return undefined;
}

/** k=v,k2=v2 (AND), keys sorted. */
export function labelSelector(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(",");
}

/** The labels every resource cairn creates for `cluster` carries, plus `extra`. */
export function ownedLabels(cluster: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [CLUSTER_LABEL]: cluster, ...extra };
}
