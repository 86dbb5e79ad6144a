// Keys and kinds named like Object.prototype members in patches and configs (issue 9 §10, found by the CLI fuzz
// run, seed 777: `machine: { toString: null }` crashed machineconfig patch with exit 70, because the merge read the
// config's inherited toString method as the current value). They are ordinary names: a patch may set them, the
// merge never finds an inherited value, and the config never gains a function.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { encodeConfigDocuments } from "../../../src/talos/config/encode.js";
import { validateTalosDocuments } from "../../../src/talos/config/validate.js";
import { applyPatches, parsePatch, type ConfigDocument } from "../../../src/talos/patch/index.js";
import { parseYamlStream } from "../../../src/io/yaml.js";
import { TALOS_GOLDEN } from "../../helpers/shared.js";

const config = (): ConfigDocument[] =>
  parseYamlStream(
    readFileSync(`${TALOS_GOLDEN}v1.13/base-controlplane.yaml`, "utf8"),
    "cp.yaml",
  ) as ConfigDocument[];

/** Every value reachable from the documents, to prove no function slipped in. */
function kinds(docs: unknown): Set<string> {
  const out = new Set<string>();
  const stack: unknown[] = [docs];
  while (stack.length) {
    const v = stack.pop();
    out.add(typeof v);
    if (v && typeof v === "object") stack.push(...Object.values(v));
  }
  return out;
}

describe("Object.prototype names in strategic patches", () => {
  it.each(["toString", "constructor", "hasOwnProperty", "valueOf"])(
    "machine.%s: null changes nothing",
    (name) => {
      const out = applyPatches(config(), [parsePatch(`machine:\n  ${name}: null\n`)]);
      expect(kinds(out).has("function")).toBe(false);
      expect(Object.hasOwn(out[0]!.machine as object, name)).toBe(false);
      expect(encodeConfigDocuments(out, "1.13")).toBe(encodeConfigDocuments(config(), "1.13"));
    },
  );

  it("machine.constructor with a value is an ordinary (unknown) field, which validation then names", () => {
    const out = applyPatches(config(), [parsePatch("machine:\n  constructor: { a: 1 }\n")]);
    expect((out[0]!.machine as Record<string, unknown>).constructor).toEqual({ a: 1 });
    expect(encodeConfigDocuments(out, "1.13")).toMatch(/^ {4}constructor:\n {8}a: 1$/m);
    expect(validateTalosDocuments(out, "1.13").map((e) => e.message)).toContain(
      'unknown field "constructor"',
    );
  });

  it("a delete in a document of kind toString zeroes an absent field as for any kind", () => {
    const docs = [...config(), { apiVersion: "v1alpha1", kind: "toString", name: "x" }];
    const patch = parsePatch("apiVersion: v1alpha1\nkind: toString\nname: x\nfoo:\n  $patch: delete\n");
    expect(applyPatches(docs, [patch]).at(-1)).toEqual({
      apiVersion: "v1alpha1",
      kind: "toString",
      name: "x",
    });
  });

  it("a document of kind toString is an unknown kind", () => {
    const errors = validateTalosDocuments([{ apiVersion: "v1alpha1", kind: "toString" }], "1.13");
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^unknown document kind "toString"/),
    ]);
  });
});
