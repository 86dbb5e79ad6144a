// RFC 6902 Appendix A examples, re-expressed as table rows.
import { describe, expect, it } from "vitest";
import { applyJsonPatchToValue, type JsonPatchOperation } from "../../../src/talos/patch/json6902.js";
import type { ConfigValue } from "../../../src/talos/patch/document.js";

interface Row {
  name: string;
  doc: ConfigValue;
  patch: JsonPatchOperation[];
  expected?: ConfigValue;
  error?: RegExp;
}

const rows: Row[] = [
  {
    name: "A.1 add an object member",
    doc: { foo: "bar" },
    patch: [{ op: "add", path: "/baz", value: "qux" }],
    expected: { baz: "qux", foo: "bar" },
  },
  {
    name: "A.2 add an array element",
    doc: { foo: ["bar", "baz"] },
    patch: [{ op: "add", path: "/foo/1", value: "qux" }],
    expected: { foo: ["bar", "qux", "baz"] },
  },
  {
    name: "A.3 remove an object member",
    doc: { baz: "qux", foo: "bar" },
    patch: [{ op: "remove", path: "/baz" }],
    expected: { foo: "bar" },
  },
  {
    name: "A.4 remove an array element",
    doc: { foo: ["bar", "qux", "baz"] },
    patch: [{ op: "remove", path: "/foo/1" }],
    expected: { foo: ["bar", "baz"] },
  },
  {
    name: "A.5 replace a value",
    doc: { baz: "qux", foo: "bar" },
    patch: [{ op: "replace", path: "/baz", value: "boo" }],
    expected: { baz: "boo", foo: "bar" },
  },
  {
    name: "A.6 move a value",
    doc: { foo: { bar: "baz", waldo: "fred" }, qux: { corge: "grault" } },
    patch: [{ op: "move", from: "/foo/waldo", path: "/qux/thud" }],
    expected: { foo: { bar: "baz" }, qux: { corge: "grault", thud: "fred" } },
  },
  {
    name: "A.7 move an array element",
    doc: { foo: ["all", "grass", "cows", "eat"] },
    patch: [{ op: "move", from: "/foo/1", path: "/foo/3" }],
    expected: { foo: ["all", "cows", "eat", "grass"] },
  },
  {
    name: "A.8 test a value: success",
    doc: { baz: "qux", foo: ["a", 2, "c"] },
    patch: [
      { op: "test", path: "/baz", value: "qux" },
      { op: "test", path: "/foo/1", value: 2 },
    ],
    expected: { baz: "qux", foo: ["a", 2, "c"] },
  },
  {
    name: "A.9 test a value: error",
    doc: { baz: "qux" },
    patch: [{ op: "test", path: "/baz", value: "bar" }],
    error: /testing value "\/baz" failed/,
  },
  {
    name: "A.10 add a nested member object",
    doc: { foo: "bar" },
    patch: [{ op: "add", path: "/child", value: { grandchild: {} } }],
    expected: { foo: "bar", child: { grandchild: {} } },
  },
  {
    name: "A.11 ignore unrecognized elements",
    doc: { foo: "bar" },
    patch: [{ op: "add", path: "/baz", value: "qux", xyz: 123 }],
    expected: { foo: "bar", baz: "qux" },
  },
  {
    name: "A.12 add to a nonexistent target",
    doc: { foo: "bar" },
    patch: [{ op: "add", path: "/baz/bat", value: "qux" }],
    error: /missing path/,
  },
  {
    name: "A.14 ~ escape ordering",
    doc: { "/": 9, "~1": 10 },
    patch: [{ op: "test", path: "/~01", value: 10 }],
    expected: { "/": 9, "~1": 10 },
  },
  {
    name: "A.15 comparing strings and numbers",
    doc: { "/": 9, "~1": 10 },
    patch: [{ op: "test", path: "/~01", value: "10" }],
    error: /failed/,
  },
  {
    name: "A.16 add an array value",
    doc: { foo: ["bar"] },
    patch: [{ op: "add", path: "/foo/-", value: ["abc", "def"] }],
    expected: { foo: ["bar", ["abc", "def"]] },
  },
  {
    name: "copy",
    doc: { a: { b: [1] } },
    patch: [{ op: "copy", from: "/a/b", path: "/c" }],
    expected: { a: { b: [1] }, c: [1] },
  },
  {
    name: "negative index (evanphx)",
    doc: { a: [1, 2, 3] },
    patch: [{ op: "remove", path: "/a/-1" }],
    expected: { a: [1, 2] },
  },
  {
    name: "remove a missing key",
    doc: { a: 1 },
    patch: [{ op: "remove", path: "/b" }],
    error: /missing key/,
  },
  {
    name: "replace a missing key",
    doc: { a: 1 },
    patch: [{ op: "replace", path: "/b", value: 2 }],
    error: /missing key/,
  },
  {
    name: "index out of bounds",
    doc: { a: [1] },
    patch: [{ op: "add", path: "/a/5", value: 2 }],
    error: /out of bounds/,
  },
  {
    name: "leading zero index",
    doc: { a: [1, 2] },
    patch: [{ op: "remove", path: "/a/01" }],
    error: /invalid array index/,
  },
  {
    name: "unknown op",
    doc: { a: 1 },
    patch: [{ op: "frobnicate", path: "/a" }],
    error: /Unexpected kind: frobnicate/,
  },
  {
    name: "move into own child",
    doc: { a: { b: 1 } },
    patch: [{ op: "move", from: "/a", path: "/a/b/c" }],
    error: /own child/,
  },
  {
    name: "replace the whole document",
    doc: { a: 1 },
    patch: [{ op: "replace", path: "", value: { b: 2 } }],
    expected: { b: 2 },
  },
];

describe("RFC 6902", () => {
  it.each(rows)("$name", ({ doc, patch, expected, error }) => {
    if (error) expect(() => applyJsonPatchToValue(doc, patch)).toThrow(error);
    else expect(applyJsonPatchToValue(doc, patch)).toEqual(expected);
  });

  it("leaves its input untouched and keeps key order on replace", () => {
    const doc = { a: 1, b: 2, c: 3 };
    const out = applyJsonPatchToValue(doc, [{ op: "replace", path: "/b", value: 9 }]);
    expect(Object.keys(out as object)).toEqual(["a", "b", "c"]);
    expect(doc.b).toBe(2);
  });
});
