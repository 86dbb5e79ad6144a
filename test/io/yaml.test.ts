// The one YAML reader (src/io/yaml.ts), issue 9 §4 and §10: ordinary files read exactly as the yaml package reads
// them (the oracle: its own parseAllDocuments + toJS over every example, golden config and secrets bundle), and
// every hostile shape refused as a YamlInputError naming the file and position: size, depth (without overflowing
// the stack), alias bombs, quadratic anchors, cycles, unresolved aliases, `__proto__` keys. Syntax errors quote no
// source text.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { UserError } from "../../src/errors.js";
import {
  parseYaml,
  parseYamlDocuments,
  parseYamlStream,
  YAML_LIMITS,
  YamlInputError,
} from "../../src/io/yaml.js";
import { REPO_ROOT, TALOS_GOLDEN } from "../helpers/shared.js";

function refusal(text: string, source = "in.yaml"): YamlInputError {
  try {
    parseYamlStream(text, source);
  } catch (e) {
    if (e instanceof YamlInputError) return e;
    throw e;
  }
  throw new Error("accepted");
}

/** The billion laughs: 9 levels of 10 aliases each, 10^9 leaves from ~300 bytes. */
function aliasBomb(indent = ""): string {
  let text = `${indent}a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n`;
  let prev = "a";
  for (let i = 0; i < 9; i++) {
    const name = String.fromCharCode(98 + i);
    text += `${indent}${name}: &${name} [${Array(10).fill(`*${prev}`).join(", ")}]\n`;
    prev = name;
  }
  return text;
}

describe("ordinary YAML reads as the yaml package reads it", () => {
  const files = [
    // The example specs only: scripts/rehearse.sh leaves a cluster's state directory (.cairn/) beside them.
    ...readdirSync(join(REPO_ROOT, "examples"))
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => join(REPO_ROOT, "examples", f)),
    ...readdirSync(TALOS_GOLDEN, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith(".yaml"))
      .map((e) => join(e.parentPath, e.name)),
  ];

  it("finds the reference files", () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it.each(files.map((f) => [f.slice(f.lastIndexOf("/", f.lastIndexOf("/") - 1) + 1), f]))("%s", (_n, f) => {
    const text = readFileSync(f, "utf8");
    const oracle = parseAllDocuments(text).map((d) => d.toJS() as unknown);
    expect(parseYamlStream(text, f)).toEqual(oracle);
  });

  it("keeps shared anchors that stay within the budget", () => {
    expect(parseYaml("base: &b {mtu: 9000}\nnets: [*b, *b, {x: *b}]\n", "f")).toEqual({
      base: { mtu: 9000 },
      nets: [{ mtu: 9000 }, { mtu: 9000 }, { x: { mtu: 9000 } }],
    });
  });

  it("an empty text is null; several documents are refused by parseYaml", () => {
    expect(parseYaml("", "e.yaml")).toBeNull();
    expect(() => parseYaml("a: 1\n---\nb: 2\n", "m.yaml")).toThrow(/m\.yaml: holds 2 YAML documents/);
  });
});

describe("hostile shapes are refused, naming the file and where", () => {
  it("an alias bomb, from its structure, before anything expands it", () => {
    const e = refusal(aliasBomb(), "bomb.yaml");
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toMatch(/^bomb\.yaml:\d+:\d+: its aliases would expand it past [\d,]+ nodes/);
    expect(e.hint).toMatch(/write the values out/);
  });

  it("a large anchor repeated many times (the quadratic form)", () => {
    const text = `a: &a [${Array(20_000).fill("1").join(",")}]\nb: [${Array(500).fill("*a").join(",")}]\n`;
    expect(refusal(text).message).toMatch(/would expand it past/);
  });

  it("more alias uses than the limit", () => {
    const text = `a: &a 1\nb: [${Array(YAML_LIMITS.maxAliases + 1)
      .fill("*a")
      .join(",")}]\n`;
    expect(refusal(text).message).toMatch(/more than 1000 aliases/);
  });

  it("an alias inside the node it names (a cycle), and an alias with no anchor", () => {
    expect(refusal("a: &x\n  b: *x\n", "c.yaml").message).toBe(
      "c.yaml:2:6: alias *x refers to a node that contains it (a cycle)",
    );
    expect(refusal("&x [*x]").message).toMatch(/a cycle/);
    expect(refusal("a: *nope\n", "u.yaml").message).toBe(
      "u.yaml:1:4: alias *nope refers to no anchor defined before it",
    );
  });

  it("nesting past the depth limit: 100,000 flow levels without a stack overflow, block and alias depth", () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    expect(refusal(deep, "deep.yaml").message).toBe("deep.yaml:1:65: nests deeper than 64 levels");
    let block = "";
    for (let i = 0; i < 70; i++) block += `${" ".repeat(i)}k:\n`;
    expect(refusal(block).message).toMatch(/nests deeper than 64 levels/);
    // 40 levels behind an anchor, used 30 levels down: deep only once expanded.
    const viaAlias = `a: &a ${"[".repeat(40)}${"]".repeat(40)}\nb: ${"[".repeat(30)}*a${"]".repeat(30)}\n`;
    expect(refusal(viaAlias).message).toMatch(/nests deeper than 64 levels/);
    expect(parseYaml("[".repeat(60) + "]".repeat(60), "ok")).toBeDefined();
  });

  it("a text larger than the size limit, before parsing it", () => {
    const e = refusal("a: " + "x".repeat(YAML_LIMITS.maxBytes), "big.yaml");
    expect(e.message).toMatch(/^big\.yaml: is 16\.0 MiB, more than the 16\.0 MiB cairn reads/);
  });

  it("__proto__ as a key anywhere, also with a null value or through an alias", () => {
    const e = refusal("networks:\n  __proto__: { cidr: 10.0.0.0/24 }\n", "spec.yaml");
    expect(e.message).toBe('spec.yaml:2:3: "__proto__" cannot be used as a key or a name');
    expect(e.path).toEqual(["networks", "__proto__"]);
    expect(refusal("a:\n  __proto__:\n").path).toEqual(["a", "__proto__"]);
    expect(refusal("k: &k __proto__\nm: { *k : 1 }\n").path).toEqual(["m", "__proto__"]);
    // Other Object.prototype names are ordinary keys.
    expect(parseYaml("constructor: 1\ntoString: 2\n", "f")).toEqual({ constructor: 1, toString: 2 });
  });
});

describe("syntax errors", () => {
  it("stay in the document's errors, with duplicate keys found in every mapping", () => {
    const [doc] = parseYamlDocuments("a: 1\nb: { x: 1, x: 2 }\na: 3\n", "d.yaml");
    expect(doc!.errors.map((e) => [e.code, e.pos[0]])).toEqual([
      ["DUPLICATE_KEY", 16],
      ["DUPLICATE_KEY", 23],
    ]);
  });

  it("quote no source text (the line may hold a key)", () => {
    const secret = "LS0tLS1CRUdJTiBFRDI1NTE5IFBSSVZBVEUgS0VZLS0tLS0K";
    let message = "";
    try {
      parseYamlStream(`machine:\n  ca:\n    key: ${secret}\n      crt: [\n`, "cfg.yaml");
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^cfg\.yaml:\d+:\d+: not valid YAML: /);
    expect(message).not.toContain(secret.slice(0, 12));
  });
});
