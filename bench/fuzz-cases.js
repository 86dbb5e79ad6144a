// The CLI fuzz harness of issue 9's acceptance, shared by the CI test (test/fuzz.test.ts, a few hundred inputs) and
// the benchmark (bench/fuzz.js, 10,000): seeded, mutated inputs through four commands as a user runs them —
// `validate` (mutated specs), `talos machineconfig patch` (mutated and synthesised patches against real Talos
// configs, some mutated too), `render` (specs carrying synthesised patches, or a mutated secrets bundle) and
// `secrets decrypt` (mutated age files and identities). A run passes when no command exits 70 and no output holds a
// stack trace. Pure JavaScript with the CLI injected (`cli(args)`), so the test runs the sources and the benchmark
// the built dist/.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments, stringify } from "yaml";
import { rng } from "./lib.js";

export const DEFAULT_SEED = 20251121;
export const KINDS = ["validate", "patch", "render", "decrypt"];

export const WEIRD_VALUES = [
  null,
  true,
  false,
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
  "@/nonexistent/file.yaml",
  "$patch",
  "__proto__",
  "constructor",
  [],
  [null],
  [[[]]],
  {},
  { $patch: "delete" },
  { a: { b: { c: [1, { d: null }] } } },
];

/** A fresh copy of a JSON-like value, so mutated trees never share a weird value. */
const fresh = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

const TYPOS = (key) => [
  key + "s",
  key.slice(0, -1),
  key.toUpperCase(),
  "_" + key,
  key.replace(/[aeiou]/, ""),
];

const JUNK = [
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
  "<<",
  "---",
  "...",
];

/** One random textual or structural mutation of a YAML text: returns [kind, newText]. */
export function mutate(text, r) {
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
    "reserved-name",
    "hostile",
  ]);
  const lines = text.split("\n");
  const at = r.int(lines.length);
  switch (kind) {
    case "hostile": {
      // The shapes of issue 9's probe: alias bombs, deep nesting, aliases to their own parents, anchors reused.
      const indent = (lines[at] ?? "").match(/^ */)[0];
      const key = `x${r.int(1000)}`;
      const block = r.pick([
        () => {
          let t = `${indent}${key}:\n${indent}  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n`;
          let prev = "a";
          for (let l = 0, n = 3 + r.int(7); l < n; l++) {
            const name = String.fromCharCode(98 + l);
            t += `${indent}  ${name}: &${name} [${Array(10).fill(`*${prev}`).join(", ")}]\n`;
            prev = name;
          }
          return t;
        },
        () => {
          const n = 50 + r.int(2000);
          return `${indent}${key}: ${"[".repeat(n)}1${"]".repeat(n)}\n`;
        },
        () => `${indent}${key}: &c\n${indent}  self: *c\n`,
        () => `${indent}${key}: *undefined-anchor\n`,
      ])();
      lines.splice(at, 0, ...block.replace(/\n$/, "").split("\n"));
      return [kind, lines.join("\n")];
    }
    case "bytes": {
      const pos = r.int(text.length + 1);
      let junk = "";
      for (let k = 1 + r.int(8); k > 0; k--)
        junk += r.chance(0.5) ? r.pick(JUNK) : String.fromCharCode(r.int(256));
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

/** Every [parent, key] of a parsed value, to pick a spot to change. */
function spotsOf(data) {
  const spots = [];
  const walk = (node, depth) => {
    if (depth > 12 || node === null || typeof node !== "object") return;
    for (const key of Object.keys(node)) {
      spots.push([node, key]);
      walk(node[key], depth + 1);
    }
  };
  walk(data, 0);
  return spots;
}

/** Structural mutations: parse, change one random spot of the tree, print it again. */
function mutateTree(text, kind, r) {
  let docs;
  try {
    docs = parseAllDocuments(text, { uniqueKeys: false, logLevel: "silent" }).map((d) =>
      d.toJS({ maxAliasCount: 100 }),
    );
  } catch {
    return text; // an earlier mutation already broke the YAML; leave it broken
  }
  const di = r.int(docs.length || 1);
  const data = docs[di];
  if (data === null || typeof data !== "object") return text;
  const spots = spotsOf(data);
  if (!spots.length) return text;
  const [parent, key] = r.pick(spots);
  switch (kind) {
    case "retype":
      parent[key] = fresh(r.pick(WEIRD_VALUES));
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
    case "reserved-name": {
      // A name JavaScript objects treat specially, as a key (printed as text: an object cannot hold __proto__)
      // or as a value (a reference such as `network: toString`).
      const name = r.pick(["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"]);
      if (typeof parent[key] === "string" || Array.isArray(parent)) parent[key] = name;
      else {
        const printed = docs.map((d) => stringify(d)).join("---\n");
        const re = new RegExp(`^(\\s*(?:- )?)${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:`, "m");
        return printed.replace(re, `$1${name}:`);
      }
      break;
    }
    case "dup-field": {
      // A duplicated mapping key cannot be built as a JS object; print, then repeat the key's line.
      const printed = docs
        .map((d) => stringify(d))
        .join("---\n")
        .split("\n");
      const i = printed.findIndex((l) => l.trimStart().startsWith(`${key}:`));
      if (i >= 0) printed.splice(i + 1, 0, printed[i]);
      return printed.join("\n");
    }
  }
  return docs.map((d) => stringify(d)).join("---\n");
}

/** The JSON pointer and dotted path of a random spot of a config document. */
function randomPath(doc, r) {
  const steps = [];
  let node = doc;
  while (node && typeof node === "object" && r.chance(0.8)) {
    const keys = Object.keys(node);
    if (!keys.length) break;
    const k = r.pick(keys);
    steps.push(Array.isArray(node) ? Number(k) : k);
    node = node[k];
  }
  return steps;
}

/** A strategic merge patch that sets one random spot of `doc` (a config document) to a weird value. */
function strategicPatch(doc, r) {
  const steps = randomPath(doc, r).filter((s) => typeof s === "string");
  let value = fresh(r.pick(WEIRD_VALUES));
  for (let i = steps.length - 1; i >= 0; i--) value = { [steps[i]]: value };
  if (value === null || typeof value !== "object" || Array.isArray(value)) value = { machine: value };
  // Secret fields of the wrong type are what leaked keys (§3); aim there often.
  if (r.chance(0.25))
    value = r.pick([
      { machine: { ca: { key: fresh(r.pick(WEIRD_VALUES)) } } },
      { machine: { token: fresh(r.pick(WEIRD_VALUES)) } },
      { cluster: { secretboxEncryptionSecret: fresh(r.pick(WEIRD_VALUES)) } },
      { cluster: { ca: { key: fresh(r.pick(WEIRD_VALUES)) } } },
    ]);
  if (r.chance(0.15)) value.$patch = r.pick(["delete", "replace", "bogus"]);
  return value;
}

/** A JSON 6902 patch of 1–3 operations on random spots of `doc`. */
function jsonPatch(doc, r) {
  const ops = [];
  for (let n = 1 + r.int(3); n > 0; n--) {
    const pointer = () =>
      r.chance(0.1)
        ? r.pick(["", "/", "machine", "/machine/-", "/~2", "/machine/certSANs/99", "/machine/certSANs/-1"])
        : "/" +
          randomPath(doc, r)
            .map((s) => String(s).replaceAll("~", "~0").replaceAll("/", "~1"))
            .join("/");
    const op = {
      op: r.pick(["add", "remove", "replace", "move", "copy", "test", "bogus", ""]),
      path: pointer(),
    };
    if (r.chance(0.7)) op.value = fresh(r.pick(WEIRD_VALUES));
    if (r.chance(0.3)) op.from = pointer();
    if (r.chance(0.05)) delete op.path;
    ops.push(op);
  }
  return ops;
}

/** Reads the corpora once: example specs, Talos configs of every contract, patches, a secrets bundle. */
function corpus(repoRoot) {
  const golden = join(repoRoot, "..", "shared", "reference", "talos", "golden");
  const examples = readdirSync(join(repoRoot, "examples"))
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => readFileSync(join(repoRoot, "examples", f), "utf8"));
  const configs = readdirSync(golden, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(join(golden, d.name))
        .filter((f) => f.endsWith(".yaml"))
        .sort()
        .map((f) => ({ version: `${d.name}.0`, text: readFileSync(join(golden, d.name, f), "utf8") })),
    );
  if (examples.length < 5 || configs.length < 10)
    throw new Error(
      `fuzz corpus missing: ${examples.length} examples, ${configs.length} Talos configs under ${golden}`,
    );
  return {
    examples,
    configs,
    patches: [readFileSync(join(golden, "patch.yaml"), "utf8")],
    secrets: readFileSync(join(golden, "secrets.yaml"), "utf8"),
  };
}

const STACK = /\n\s+at .+:\d+:\d+\)?/;

/**
 * Runs `count` cases (round-robin over KINDS) and returns what happened. `cli(args)` runs `cairn args…` with
 * `workDir` as the working directory's stand-in (paths are absolute) and resolves to { code, out, err }.
 */
export async function runFuzz({ cli, repoRoot, workDir, seed = DEFAULT_SEED, count = 300, kinds = KINDS }) {
  const c = corpus(repoRoot);
  const { generateIdentity, identityToRecipient } = await import("age-encryption");
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const file = (name, content, mode) => {
    const p = join(workDir, name);
    writeFileSync(p, content, mode ? { mode } : undefined);
    return p;
  };
  // One age identity and the bundle encrypted to it, made through the CLI itself.
  const identity = await generateIdentity();
  const recipient = await identityToRecipient(identity);
  const identityFile = file("identity.txt", `# fuzz identity\n${identity}\n`, 0o600);
  const plainBundle = file("secrets.yaml", c.secrets, 0o600);
  const enc = await cli([
    "secrets",
    "encrypt",
    plainBundle,
    "--age-recipient",
    recipient,
    "-o",
    join(workDir, "secrets.age"),
  ]);
  if (enc.code !== 0) throw new Error(`fuzz setup: secrets encrypt failed: ${enc.err}`);
  const encrypted = readFileSync(join(workDir, "secrets.age"), "utf8");

  const r = rng(seed);
  const stats = { total: 0, kinds: {}, codes: {}, exit70: 0, stackTraces: 0, failures: [] };
  for (let i = 0; i < count; i++) {
    const kind = kinds[i % kinds.length];
    const dir = join(workDir, `case-${kind}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const inputs = {};
    const put = (name, content, mode) => {
      inputs[name] = content;
      const p = join(dir, name);
      writeFileSync(p, content, mode ? { mode } : undefined);
      return p;
    };
    const mutations = (text, n = 1 + r.int(3)) => {
      for (; n > 0; n--) text = mutate(text, r)[1];
      return text;
    };
    let args;
    if (kind === "validate") {
      const spec = put("cairn.yaml", mutations(r.pick(c.examples)));
      args = ["validate", spec, ...r.pick([[], [], ["--output", "json"], ["--show-plan"]])];
    } else if (kind === "patch") {
      const config = r.pick(c.configs);
      const configText = r.chance(0.2) ? mutations(config.text, 1) : config.text;
      const doc = parse(config.text.split(/^---$/m)[0]);
      const form = r.int(4);
      const patchText =
        form === 0
          ? mutations(r.pick(c.patches))
          : form === 1
            ? stringify(strategicPatch(doc, r))
            : form === 2
              ? JSON.stringify(jsonPatch(doc, r))
              : r.chance(0.5)
                ? mutations(stringify(strategicPatch(doc, r)), 1)
                : mutations(JSON.stringify(jsonPatch(doc, r)), 1);
      const cfg = put("config.yaml", configText);
      const patch = put("patch.yaml", patchText);
      args = ["talos", "machineconfig", "patch", cfg, "--patch", `@${patch}`];
      if (r.chance(0.2)) args.push("--patch", JSON.stringify(strategicPatch(doc, r)));
      if (r.chance(0.3))
        args.push("--talos-version", r.chance(0.8) ? config.version.replace(/^v?/, "v") : "v9.9.9");
      if (r.chance(0.3)) args.push("-o", join(dir, "out.yaml"));
    } else if (kind === "render") {
      const out = join(dir, "out");
      mkdirSync(out, { recursive: true });
      const mode = r.int(3);
      let specText = r.pick(c.examples);
      let secretsText = c.secrets;
      if (mode === 0) {
        // A valid spec carrying a synthesised patch (strategic or JSON 6902), for the whole node or one node.
        const spec = parse(specText);
        const doc = parse(r.pick(c.configs).text.split(/^---$/m)[0]);
        const patch = r.chance(0.8) ? strategicPatch(doc, r) : jsonPatch(doc, r);
        if (r.chance(0.5)) (spec.talos.patches ??= []).push(patch);
        else (spec.nodes[r.int(spec.nodes.length)].patches ??= []).push(patch);
        specText = stringify(spec);
      } else if (mode === 1) secretsText = mutations(c.secrets);
      else specText = mutations(specText, 1);
      const spec = put("cairn.yaml", specText);
      put(join("out", "secrets.yaml"), secretsText, 0o600);
      args = ["render", "-f", spec, "-o", out];
    } else {
      const mode = r.int(4);
      let encText = encrypted;
      let idText = `${identity}\n`;
      if (mode === 0 || mode === 1) encText = mutations(encrypted, mode + 1);
      else if (mode === 2) {
        // Decrypts, but the bundle inside is broken.
        const e = await cli([
          "secrets",
          "encrypt",
          put("plain.yaml", mutations(c.secrets), 0o600),
          "--age-recipient",
          recipient,
          "-o",
          join(dir, "inner.age"),
          "--force",
        ]);
        encText = e.code === 0 ? readFileSync(join(dir, "inner.age"), "utf8") : encrypted;
      } else idText = mutations(idText, 1);
      const encFile = put("secrets.age", encText);
      const idFile = put("identity.txt", idText, 0o600);
      args = [
        "secrets",
        "decrypt",
        encFile,
        "--age-identity",
        r.chance(0.9) ? idFile : identityFile,
        "-o",
        join(dir, "plain-out.yaml"),
        "--force",
      ];
    }
    const res = await cli(args);
    stats.total++;
    stats.kinds[kind] = (stats.kinds[kind] ?? 0) + 1;
    stats.codes[res.code] = (stats.codes[res.code] ?? 0) + 1;
    const text = `${res.out}\n${res.err}`;
    const bad70 = res.code === 70;
    const badStack = STACK.test(text);
    if (bad70) stats.exit70++;
    if (badStack) stats.stackTraces++;
    if ((bad70 || badStack) && stats.failures.length < 20)
      stats.failures.push({ index: i, kind, args, code: res.code, output: text.slice(0, 4000), inputs });
  }
  return stats;
}

/** Writes the first failures as files a developer can replay. */
export function writeFailures(dir, seed, failures) {
  rmSync(dir, { recursive: true, force: true });
  if (!failures.length) return;
  mkdirSync(dir, { recursive: true });
  for (const f of failures) {
    const d = join(dir, `${String(f.index).padStart(5, "0")}-${f.kind}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(
      join(d, "README.txt"),
      `seed ${seed}, input ${f.index}, exit ${f.code}\ncairn ${f.args.join(" ")}\n\n${f.output}\n`,
    );
    for (const [name, content] of Object.entries(f.inputs)) {
      mkdirSync(join(d, name, ".."), { recursive: true });
      writeFileSync(join(d, name), content);
    }
  }
}
