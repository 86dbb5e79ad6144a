// Schematic extensions must be ones Image Factory publishes for the spec's Talos release: a misspelt name would
// only fail when the factory refuses the schematic (or, worse, at install). Names are checked against cairn's
// bundled, dated list (talos/schematic/extensions.generated.ts).
import { error, type FieldPath, type Finding } from "../../findings.js";
import type { ClusterSpec, SchematicSpec } from "../schema.js";
import { closest } from "../../suggest.js";
import { OFFICIAL_EXTENSIONS } from "../../talos/schematic/extensions.generated.js";
import { talosMinor } from "../../talos/versions.js";

export function checkExtensions(spec: ClusterSpec): Finding[] {
  const minor = talosMinor(spec.talos.version);
  const list = minor ? OFFICIAL_EXTENSIONS[minor.minor] : undefined;
  if (!minor || !list) return []; // an unsupported version is reported by checkVersions
  const known = new Set(list.names);
  const out: Finding[] = [];
  const check = (s: SchematicSpec | undefined, base: FieldPath) =>
    (s?.extensions ?? []).forEach((name, i) => {
      if (known.has(name)) return;
      const bare = name.replace(/^siderolabs\//, "");
      const guess = closest(`siderolabs/${bare}`, list.names);
      out.push(
        error(
          "schematic.unknown-extension",
          [...base, "extensions", i],
          `"${name}" is not an official extension of Talos ${minor.minor} (cairn's list from siderolabs/extensions ${list.tag}, ${list.date})`,
          guess
            ? `did you mean "${guess}"?`
            : known.has(`siderolabs/${bare}`)
              ? `official extensions are named siderolabs/${bare}`
              : "see the extensions Image Factory offers for this version at https://factory.talos.dev",
        ),
      );
    });
  check(spec.talos.schematic, ["talos", "schematic"]);
  spec.nodes.forEach((n, i) => check(n.schematic, ["nodes", i, "schematic"]));
  return out;
}
