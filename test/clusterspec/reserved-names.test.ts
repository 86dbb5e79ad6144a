// Names that collide with JavaScript's object machinery (issue 9 §10). A network named `__proto__` used to vanish
// (the node using it was told the network is not defined); it is now refused where it is written. Names of
// Object.prototype members ("constructor", "toString") are ordinary names: defined, they work; referenced but not
// defined, they are reported as not defined (a storage network "toString" used to crash validate with exit 70).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSpecText } from "../../src/clusterspec/load.js";
import { applyJsonPatch } from "../../src/talos/patch/json6902.js";
import { UserError } from "../../src/errors.js";
import { REPO_ROOT } from "../helpers/shared.js";

const minimal = readFileSync(join(REPO_ROOT, "examples", "minimal.yaml"), "utf8");
const ceph = readFileSync(join(REPO_ROOT, "examples", "home-ops-ceph.yaml"), "utf8");

const errors = (text: string) => {
  const r = loadSpecText(text, "cairn.yaml");
  return r.diagnostics.filter((d) => d.severity === "error").map((d) => [d.code, d.path, d.line, d.message]);
};

describe("a network named __proto__", () => {
  it("is refused where it is written, not reported missing where it is used", () => {
    const text = minimal.replace(/\blan\b/g, "__proto__");
    expect(text).toMatch(/^ {2}__proto__:$/m);
    const line = text.split("\n").findIndex((l) => l === "  __proto__:") + 1;
    expect(errors(text)).toEqual([
      ["schema.reserved-name", "networks.__proto__", line, '"__proto__" cannot be used as a key or a name'],
    ]);
  });

  it("is refused as a label key and inside an inline patch too", () => {
    const labels = minimal.replace(
      "    role: controlplane\n",
      "    role: controlplane\n    labels: { __proto__: x }\n",
    );
    expect(errors(labels)[0]?.slice(0, 2)).toEqual(["schema.reserved-name", "nodes[0].labels.__proto__"]);
    const patch = minimal.replace("talos:\n", "talos:\n  patches: [{ machine: { __proto__: { a: 1 } } }]\n");
    expect(errors(patch)[0]?.slice(0, 2)).toEqual([
      "schema.reserved-name",
      "talos.patches[0].machine.__proto__",
    ]);
  });

  it("a JSON patch that adds __proto__ is refused instead of replacing an object's prototype", () => {
    const add = (path: string) => () =>
      applyJsonPatch([{ machine: {} }], {
        type: "json6902",
        operations: [{ op: "add", path, value: { polluted: true } }],
      });
    expect(add("/machine/__proto__")).toThrow(UserError);
    expect(add("/machine/__proto__")).toThrow(/names __proto__, which no config holds/);
    expect(add("/machine/a~1__proto__")).not.toThrow(); // a key "a/__proto__" is just a key
  });
});

describe("names of Object.prototype members are ordinary names", () => {
  it.each(["constructor", "toString", "hasOwnProperty", "valueOf"])("a network named %s is valid", (name) => {
    const r = loadSpecText(minimal.replace(/\blan\b/g, name), "cairn.yaml");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(Object.keys(r.model!.spec.networks)).toEqual([name]);
    expect(r.model!.nodes[0]!.interfaces[0]!.network).toBe(name);
  });

  it.each(["toString", "constructor"])("an undefined %s network is reported, not a crash", (name) => {
    // From a node interface, and from the storage add-on (which crashed with exit 70).
    const iface = minimal.replace("{ network: lan,", `{ network: ${name},`);
    expect(errors(iface).map((e) => e[0])).toEqual(["node.unknown-network"]);
    const storage = ceph.replace("    network: ceph # OSD", `    network: ${name} # OSD`);
    expect(storage).not.toBe(ceph);
    expect(errors(storage).map((e) => [e[0], e[1]])).toEqual([
      ["addons.unknown-network", "addons.storage.network"],
    ]);
  });
});
