// PVE property strings ("virtio=BC:24:11:00:00:01,bridge=vmbr0,tag=16"): PVE rewrites them on read-back (model
// becomes model=MAC, keys re-ordered, sizes added), so plan and diff compare parsed maps, never raw strings.

export type PropertyMap = Record<string, string>;

/**
 * Parses a property string. `defaultKey` names the key a bare value belongs to ("file" for disks, "model" for
 * NICs); `aliases` maps a key to [alias target, key alias] as PVE's schema does for NIC models
 * ("virtio=MAC" → model=virtio, macaddr=MAC).
 */
export function parsePropertyString(
  text: string,
  defaultKey?: string,
  aliases: Record<string, [string, string]> = {},
): PropertyMap {
  const out: PropertyMap = {};
  for (const part of text.split(",")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    if (eq === -1) {
      if (!defaultKey) throw new Error(`value without key in "${text}"`);
      if (out[defaultKey] !== undefined) throw new Error(`duplicate key ${defaultKey} in "${text}"`);
      out[defaultKey] = part;
      continue;
    }
    const key = part.slice(0, eq);
    const value = part.slice(eq + 1);
    const alias = aliases[key];
    if (alias) {
      const [target, keyAlias] = alias;
      out[keyAlias] = key;
      out[target] = value;
      continue;
    }
    if (out[key] !== undefined) throw new Error(`duplicate key ${key} in "${text}"`);
    out[key] = value;
  }
  return out;
}

/** Formats a map with `first` keys first (a bare value for `defaultKey`), the rest sorted: stable output. */
function formatPropertyString(map: PropertyMap, defaultKey?: string, first: string[] = []): string {
  const parts: string[] = [];
  const seen = new Set<string>();
  if (defaultKey !== undefined && map[defaultKey] !== undefined) {
    parts.push(map[defaultKey]!);
    seen.add(defaultKey);
  }
  for (const k of first)
    if (!seen.has(k) && map[k] !== undefined) {
      parts.push(`${k}=${map[k]}`);
      seen.add(k);
    }
  for (const k of Object.keys(map).sort())
    if (!seen.has(k)) {
      parts.push(`${k}=${map[k]}`);
      seen.add(k);
    }
  return parts.join(",");
}

/** The NIC models PVE accepts as `model=MAC` shorthand. */
const NIC_MODELS = [
  "e1000",
  "e1000-82540em",
  "e1000-82544gc",
  "e1000-82545em",
  "e1000e",
  "i82551",
  "i82557b",
  "i82559er",
  "ne2k_isa",
  "ne2k_pci",
  "pcnet",
  "rtl8139",
  "virtio",
  "vmxnet3",
] as const;

const NIC_ALIASES: Record<string, [string, string]> = Object.fromEntries(
  NIC_MODELS.map((m) => [m, ["macaddr", "model"]]),
);

/** A netN value as a map with `model` and (upper-case) `macaddr` keys, however PVE spelled it. */
export function parseNetDevice(text: string): PropertyMap {
  const map = parsePropertyString(text, "model", NIC_ALIASES);
  if (map.macaddr) map.macaddr = map.macaddr.toUpperCase();
  return map;
}

/** netN the way PVE writes it back: model=MAC first, then the other keys sorted. */
export function formatNetDevice(map: PropertyMap): string {
  const { model, macaddr, ...rest } = map;
  const head = model ? (macaddr ? `${model}=${macaddr}` : model) : undefined;
  const tail = formatPropertyString(rest);
  return [head, tail].filter((s) => s).join(",");
}

/** A disk value (scsi0, efidisk0, ide2, …) as a map whose bare value is `file`. */
export function parseDrive(text: string): PropertyMap {
  return parsePropertyString(text, "file");
}

/** PVE tags as stored: split on ; , or space, lower-cased, de-duplicated, sorted, joined with ';'. */
export function normaliseTags(tags: string | readonly string[] | undefined): string {
  const list = typeof tags === "string" ? tags.split(/[;,\s]+/) : [...(tags ?? [])];
  return [...new Set(list.map((t) => t.trim().toLowerCase()).filter((t) => t !== ""))].sort().join(";");
}

/** Sizes as PVE writes them (32G, 512M, 4M, 1T) in bytes. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGT])?$/.exec(text.trim());
  if (!m) return undefined;
  const mult = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 }[m[2] as "K" | "M" | "G" | "T"] ?? 1;
  return Math.round(Number.parseFloat(m[1]!) * mult);
}
