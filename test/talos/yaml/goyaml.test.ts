import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import {
  formatGoFloat,
  goFloat,
  goStruct,
  marshalGoYaml,
  resolvesToNonString,
  sortGoMapKeys,
} from "../../../src/talos/yaml/goyaml.js";
import type { GoValue } from "../../../src/talos/yaml/goyaml.js";

// Expected outputs follow go-yaml v3 yaml.Marshal.
const scalarCases: [string, GoValue, string][] = [
  ["plain string", "hello world", "v: hello world\n"],
  ["empty string", "", 'v: ""\n'],
  ["true", "true", 'v: "true"\n'],
  ["YAML 1.1 yes", "yes", 'v: "yes"\n'],
  ["YAML 1.1 Off", "Off", 'v: "Off"\n'],
  ["single y", "y", 'v: "y"\n'],
  ["null word", "null", 'v: "null"\n'],
  ["tilde", "~", 'v: "~"\n'],
  ["int", "42", 'v: "42"\n'],
  ["negative int", "-7", 'v: "-7"\n'],
  ["hex int", "0x1F", 'v: "0x1F"\n'],
  ["octal-looking", "0755", 'v: "0755"\n'],
  ["underscored int", "1_000", 'v: "1_000"\n'],
  ["float", "1.5", 'v: "1.5"\n'],
  ["float exponent", "1e5", 'v: "1e5"\n'],
  ["dot float", ".5", 'v: ".5"\n'],
  ["inf", ".inf", 'v: ".inf"\n'],
  ["base-60", "12:30", 'v: "12:30"\n'],
  ["timestamp", "2001-12-14", 'v: "2001-12-14"\n'],
  ["version-like stays plain", "1.2.3", "v: 1.2.3\n"],
  ["ip stays plain", "10.244.0.0/16", "v: 10.244.0.0/16\n"],
  ["url stays plain", "https://base:6443", "v: https://base:6443\n"],
  ["merge key", "<<", 'v: "<<"\n'],
  ["leading colon plain", ":foo", "v: :foo\n"],
  ["dash space", "- a", "v: '- a'\n"],
  ["alias indicator", "*x", "v: '*x'\n"],
  ["colon space", "a: b", "v: 'a: b'\n"],
  ["comment", "a #b", "v: 'a #b'\n"],
  ["hash without space", "a#b", "v: a#b\n"],
  ["leading space", " lead", "v: ' lead'\n"],
  ["trailing space", "trail ", "v: 'trail '\n"],
  ["apostrophe inside", "it's", "v: it's\n"],
  ["leading quote", "'q", "v: '''q'\n"],
  ["leading double quote", '"q', "v: '\"q'\n"],
  ["tab", "a\tb", 'v: "a\\tb"\n'],
  ["carriage return", "a\rb", 'v: "a\\rb"\n'],
  ["emoji is non-printable to go-yaml", "😀", 'v: "\\U0001F600"\n'],
  ["latin-1 stays plain", "café", "v: café\n"],
  ["document marker", "---", "v: '---'\n"],
  ["empty-looking braces", "{}", "v: '{}'\n"],
  ["literal clip", "a\n", "v: |\n    a\n"],
  ["literal strip", "a\nb", "v: |-\n    a\n    b\n"],
  ["literal with blank line", "a\n\nb\n", "v: |\n    a\n\n    b\n"],
  ["literal keep ends the document open", "a\n\n", "v: |+\n    a\n\n...\n"],
  ["literal leading space gets indent hint", " a\nb", "v: |4-\n     a\n    b\n"],
  ["trailing space in multiline → double quoted", "a \nb", 'v: "a \\nb"\n'],
  ["bool", true, "v: true\n"],
  ["int number", 7443, "v: 7443\n"],
  ["negative number", -3, "v: -3\n"],
  ["float number", 0.5, "v: 0.5\n"],
  ["goFloat integer", goFloat(3), "v: 3\n"],
  ["goFloat million", goFloat(1e6), "v: 1e+06\n"],
  ["bigint", 9007199254740993n, "v: 9007199254740993\n"],
  ["nil", null, "v: null\n"],
  ["empty seq", [], "v: []\n"],
  ["empty map", {}, "v: {}\n"],
];

describe("marshalGoYaml scalars", () => {
  for (const [name, value, expected] of scalarCases) {
    it(name, () => expect(marshalGoYaml(goStruct({ v: value }))).toBe(expected));
  }
});

const layoutCases: [string, GoValue, string][] = [
  ["sequence under key is indented", goStruct({ k: ["a", "b"] }), "k:\n    - a\n    - b\n"],
  ["root sequence", ["a", "b"], "- a\n- b\n"],
  ["mapping in sequence at dash+2", [goStruct({ a: 1, b: 2 })], "- a: 1\n  b: 2\n"],
  ["nested sequence", [["a", "b"], "c"], "- - a\n  - b\n- c\n"],
  [
    "mapping under mapping in sequence realigns to 4",
    goStruct({ k: [goStruct({ a: 1, b: goStruct({ c: 1 }), d: ["x"] })] }),
    "k:\n    - a: 1\n      b:\n        c: 1\n      d:\n        - x\n",
  ],
  [
    "literal in sequence-item mapping",
    goStruct({ k: [goStruct({ a: "x\ny" })] }),
    "k:\n    - a: |-\n        x\n        y\n",
  ],
  ["literal as sequence item", goStruct({ k: ["x\ny"] }), "k:\n    - |-\n      x\n      y\n"],
  ["empty collections in sequences", [[], {}], "- []\n- {}\n"],
  ["empty root map", {}, "{}\n"],
  ["map keys sorted", { b: 1, a: 2 }, "a: 2\nb: 1\n"],
  ["struct keeps order", goStruct({ b: 1, a: 2 }), "b: 1\na: 2\n"],
  ["key needing quotes", { yes: 1, "a b": 2, "": 3 }, '"": 3\na b: 2\n"yes": 1\n'],
  ["multi-line literal then next key", goStruct({ a: "x\n", b: "z" }), "a: |\n    x\nb: z\n"],
  [
    "deep",
    goStruct({ a: goStruct({ b: goStruct({ c: [goStruct({ d: { e: "f" } })] }) }) }),
    "a:\n    b:\n        c:\n            - d:\n                e: f\n",
  ],
];

describe("marshalGoYaml layout", () => {
  for (const [name, value, expected] of layoutCases) {
    it(name, () => expect(marshalGoYaml(value)).toBe(expected));
  }
});

describe("go-yaml helpers", () => {
  it("sorts map keys like go-yaml", () => {
    expect(sortGoMapKeys(["b", "a10", "a2", "A", "a", "a-b", "ab"])).toEqual([
      "A",
      "a",
      "a-b",
      "a2",
      "a10",
      "ab",
      "b",
    ]);
  });
  it("formats floats like strconv 'g' shortest", () => {
    const cases: [number, string][] = [
      [0.1, "0.1"], [1e-5, "1e-05"], [0.0001, "0.0001"], [123456, "123456"], [1234567, "1.234567e+06"],
      [1e21, "1e+21"], [-2.5, "-2.5"], [Infinity, ".inf"], [NaN, ".nan"],
    ]; // prettier-ignore
    for (const [n, s] of cases) expect(formatGoFloat(n)).toBe(s);
  });
  it("resolves like go-yaml", () => {
    expect(resolvesToNonString("0b101")).toBe(true);
    expect(resolvesToNonString("+12")).toBe(true);
    expect(resolvesToNonString("1.2.3")).toBe(false);
    expect(resolvesToNonString("2001-13-01")).toBe(false);
    expect(resolvesToNonString("99999999999999999999")).toBe(true);
    expect(resolvesToNonString("v1.28.0")).toBe(false);
  });
});

describe("keys go-yaml would write as explicit '? key'", () => {
  // Found by the CLI fuzz run (issue 9): a patch with a key holding a line break made machineconfig patch exit 70.
  it.each([
    ["a line break", "ap\niVersion"],
    ["a carriage return", "sourc\r&a"],
    ["129 characters", "k".repeat(129)],
  ])("a key with %s is the user's error, not a crash", (_what, key) => {
    expect(() => marshalGoYaml({ machine: { [key]: 1 } })).toThrow(UserError);
    expect(() => marshalGoYaml({ machine: { [key]: 1 } })).toThrow(/is not a Talos config key/);
  });
});
