// Benchmark (issue 2 §9c): 2,000 randomly mutated specs through loadSpecText, counting uncaught exceptions
// (the loader must turn every bad input into diagnostics; the target is 0). Mutations: types changed, fields
// removed, renamed or duplicated, random bytes inserted, lines dropped or re-indented, truncation. Seeded, so a
// failure reproduces: `npm run bench -- fuzz --seed N`. Failing inputs are written to out/bench/fuzz-failures/.
import { readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { REPO_ROOT, outDir, rng, timeMs } from "./lib.js";

export const name = "fuzz";
export const description = "2,000 mutated example specs through loadSpecText; uncaught exceptions must be 0";

export const DEFAULT_SEED = 20251121;

const WEIRD_VALUES = [
  null,
  true,
  0,
  -1,
  1.5,
  2 ** 53,
  1e308,
  "",
  "auto",
  "dhcp",
  "not-an-ip",
  "999.1.1.1",
  "10.0.0.0/33",
  "::1",
  "fe80::/10",
  "https://",
  "v1.99.0",
  "ä😀\u0000",
  "a".repeat(300),
  [],
  [null],
  {},
  { a: { b: { c: [1, { d: null }] } } },
];

const TYPOS = (key) => [
  key + "s",
  key.slice(0, -1),
  key.toUpperCase(),
  "_" + key,
  key.replace(/[aeiou]/, ""),
];

export async function run({ quick, smoke, seed = DEFAULT_SEED, count }) {
  const { loadSpecText } = await import("../dist/clusterspec/load.js");
  const { renderInitSpec, INIT_DEFAULTS } = await import("../dist/clusterspec/init.js");
  const examples = readdirSync(join(REPO_ROOT, "examples"))
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => readFileSync(join(REPO_ROOT, "examples", f), "utf8"));
  examples.push(renderInitSpec({ ...INIT_DEFAULTS, provider: "proxmox", workers: 2 }));

  const r = rng(seed);
  const total = count ?? (smoke ? 25 : quick ? 300 : 2000);
  const failDir = join(outDir(), "fuzz-failures");
  rmSync(failDir, { recursive: true, force: true });
  const failures = [];
  const outcome = { valid: 0, yaml: 0, shape: 0, semantic: 0 };
  const kinds = {};
  let slowest = { ms: 0, index: -1 };

  for (let i = 0; i < total; i++) {
    let text = r.pick(examples);
    const applied = [];
    for (let m = 1 + r.int(3); m > 0; m--) {
      const [kind, next] = mutate(text, r);
      applied.push(kind);
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      text = next;
    }
    let result;
    const t = timeMs(() => {
      try {
        result = loadSpecText(text, `fuzz-${i}.yaml`);
      } catch (e) {
        result = e;
      }
    });
    if (t.ms > slowest.ms) slowest = { ms: t.ms, index: i };
    if (result instanceof Error || !result || !Array.isArray(result.diagnostics)) {
      failures.push({ index: i, applied, text, error: result });
      continue;
    }
    const codes = result.diagnostics.filter((d) => d.severity === "error").map((d) => d.code);
    if (result.ok) outcome.valid++;
    else if (codes.some((c) => c.startsWith("yaml."))) outcome.yaml++;
    else if (codes.some((c) => c.startsWith("schema."))) outcome.shape++;
    else outcome.semantic++;
  }

  if (failures.length) {
    mkdirSync(failDir, { recursive: true });
    for (const f of failures.slice(0, 10)) {
      const e = f.error instanceof Error ? `${f.error.stack}` : String(f.error);
      writeFileSync(
        join(failDir, `${String(f.index).padStart(4, "0")}.yaml`),
        `# seed ${seed}, input ${f.index}, mutations: ${f.applied.join(", ")}\n# ${e.replace(/\n/g, "\n# ")}\n${f.text}`,
      );
    }
  }
  return {
    ok: failures.length === 0,
    notes: [
      `seed ${seed}; mutations applied: ${Object.entries(kinds)
        .sort()
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`,
      `outcomes: ${outcome.valid} still valid, ${outcome.yaml} YAML errors, ${outcome.shape} shape errors, ` +
        `${outcome.semantic} semantic errors`,
      ...(failures.length ? [`first failing inputs written to ${failDir}`] : []),
    ],
    figures: [
      { label: "inputs", value: total },
      { label: "uncaught exceptions", value: failures.length, target: 0, exact: true },
      { label: `slowest input (#${slowest.index})`, value: slowest.ms, unit: "ms" },
    ],
  };
}

/** One random mutation of the text: returns [kind, newText]. */
function mutate(text, r) {
  const kind = r.pick([
    "bytes",
    "truncate",
    "drop-line",
    "dup-line",
    "indent",
    "swap-lines",
    "retype",
    "remove-field",
    "rename-field",
    "dup-field",
    "retype",
    "remove-field",
  ]);
  const lines = text.split("\n");
  const at = r.int(lines.length);
  switch (kind) {
    case "bytes": {
      const pos = r.int(text.length + 1);
      const alphabet = [
        ":",
        "-",
        " ",
        "\t",
        "\n",
        "{",
        "}",
        "[",
        "]",
        "&a",
        "*a",
        "!!",
        "%",
        "#",
        "'",
        '"',
        "|",
        ">",
        "?",
        ",",
        "\u0000",
        "\u00ff",
        "😀",
        "\r",
      ];
      let junk = "";
      for (let k = 1 + r.int(8); k > 0; k--)
        junk += r.chance(0.5) ? r.pick(alphabet) : String.fromCharCode(r.int(256));
      return [kind, text.slice(0, pos) + junk + text.slice(pos)];
    }
    case "truncate":
      return [kind, text.slice(0, r.int(text.length))];
    case "drop-line":
      lines.splice(at, 1);
      return [kind, lines.join("\n")];
    case "dup-line":
      lines.splice(at, 0, lines[at] ?? "");
      return [kind, lines.join("\n")];
    case "indent":
      lines[at] = r.chance(0.5) ? "  " + (lines[at] ?? "") : (lines[at] ?? "").replace(/^ {1,2}/, "");
      return [kind, lines.join("\n")];
    case "swap-lines": {
      const b = r.int(lines.length);
      [lines[at], lines[b]] = [lines[b] ?? "", lines[at] ?? ""];
      return [kind, lines.join("\n")];
    }
    default:
      return [kind, mutateTree(text, kind, r)];
  }
}

/** Structural mutations: parse, change one random spot of the tree, print it again. */
function mutateTree(text, kind, r) {
  let data;
  try {
    data = parse(text, { uniqueKeys: false, maxAliasCount: 100, logLevel: "silent" });
  } catch {
    return text; // an earlier mutation already broke the YAML; leave it broken
  }
  if (data === null || typeof data !== "object") return text;
  const spots = [];
  const walk = (node, depth) => {
    if (depth > 12 || node === null || typeof node !== "object") return;
    for (const key of Object.keys(node)) {
      spots.push([node, key]);
      walk(node[key], depth + 1);
    }
  };
  walk(data, 0);
  if (!spots.length) return text;
  const [parent, key] = r.pick(spots);
  switch (kind) {
    case "retype":
      parent[key] = JSON.parse(JSON.stringify(r.pick(WEIRD_VALUES))); // a fresh copy per use
      break;
    case "remove-field":
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
      break;
    case "rename-field":
      if (!Array.isArray(parent)) {
        parent[r.pick(TYPOS(key))] = parent[key];
        delete parent[key];
      }
      break;
    case "dup-field": {
      // A duplicated mapping key cannot be built as a JS object; print, then repeat the key's line.
      const printed = stringify(data).split("\n");
      const i = printed.findIndex((l) => l.trimStart().startsWith(`${key}:`));
      if (i >= 0) printed.splice(i + 1, 0, printed[i]);
      return printed.join("\n");
    }
  }
  return stringify(data);
}
