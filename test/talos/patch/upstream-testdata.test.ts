// Every case of Talos' own configpatcher tests (pkg/machinery/config/configpatcher/apply_test.go at v1.14.0-rc.1),
// run on upstream's files (test/fixtures/talos/configpatcher, see ../../fixtures/talos/SOURCES.md): the same
// config, the same patches in the same order, and the bytes compared with upstream's expected file. The encoding
// is the one `talosctl machineconfig patch` and `out.Bytes()` produce (go-yaml of the config structs).
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCairn } from "../../helpers/cli.js";
import { REPO_ROOT } from "../../helpers/shared.js";
import { parseConfigDocuments } from "../../../src/cli/commands/talos/machineconfig-patch.js";
import { encodeConfigDocuments } from "../../../src/talos/config/encode.js";
import { applyPatches, loadPatches } from "../../../src/talos/patch/index.js";

const DATA = `${REPO_ROOT}test/fixtures/talos/configpatcher/`;
const read = (name: string) => readFileSync(`${DATA}${name}`, "utf8");

/** configpatcher.Apply(WithBytes(config), LoadPatches(@files…)) then Bytes(). */
function apply(config: string, patches: string[]): string {
  const docs = parseConfigDocuments(read(config), config);
  const loaded = loadPatches(
    patches.map((p) => `@${p}`),
    (p) => read(p),
  );
  return encodeConfigDocuments(applyPatches(docs, loaded), "1.14");
}

// [test name upstream, config, patches, expected file]
const CASES: [string, string, string[], string][] = [
  [
    "TestApply",
    "apply/config.yaml",
    [
      "apply/strategic1.yaml",
      "apply/jsonpatch1.yaml",
      "apply/jsonpatch2.yaml",
      "apply/strategic2.yaml",
      "apply/strategic3.yaml",
    ],
    "apply/expected.yaml",
  ],
  [
    "TestApplyMultiDoc",
    "multidoc/config.yaml",
    ["multidoc/strategic1.yaml", "multidoc/strategic2.yaml", "multidoc/strategic3.yaml"],
    "multidoc/expected.yaml",
  ],
  [
    "TestApplyAuditPolicy",
    "auditpolicy/config.yaml",
    ["auditpolicy/patch1.yaml"],
    "auditpolicy/expected.yaml",
  ],
  // the inline manifest whose contents start with an empty line: Talos drops the leading newline
  [
    "TestApplyWithManifestNewline",
    "apply/config.yaml",
    ["apply/strategic4.yaml"],
    "apply/expected_manifests.yaml",
  ],
  [
    "TestApplyMultiDocDelete",
    "patchdelete/config.yaml",
    ["patchdelete/strategic1.yaml"],
    "patchdelete/expected.yaml",
  ],
  [
    "TestApplyMultiDocCPDelete",
    "patchdelete/controlplane_orig.yaml",
    ["patchdelete/strategic2.yaml", "patchdelete/strategic3.yaml", "patchdelete/strategic4.yaml"],
    "patchdelete/controlplane_expected.yaml",
  ],
  ["TestPatchLink", "patchlink/base.yaml", ["patchlink/patch.yaml"], "patchlink/expected.yaml"],
  ["TestPatchMixed", "patchmixed/base.yaml", ["patchmixed/patch.yaml"], "patchmixed/expected.yaml"],
];

describe("Talos configpatcher testdata (upstream files, byte for byte)", () => {
  for (const [name, config, patches, expected] of CASES) {
    it(`${name}: ${config} + ${patches.join(", ")} = ${expected}`, () => {
      expect(apply(config, patches)).toBe(read(expected));
    });
  }

  it("TestApplyMultiDocFail: a JSON patch on a multi-document config fails with Talos' message", () => {
    expect(() =>
      apply("multidoc/config.yaml", ["multidoc/jsonpatch.yaml", "multidoc/strategic1.yaml"]),
    ).toThrow("JSON6902 patches are not supported for multi-document machine configuration");
  });

  it("TestApplyToEmptyConfig: patching an empty config adds the patch's documents", () => {
    const out = applyPatches(
      [],
      loadPatches(["@multidoc/strategic2.yaml"], (p) => read(p)),
    );
    expect(out).toHaveLength(2);
  });

  it("TestPatchDeleteMissing: deleting under a missing parent fails with Talos' message", () => {
    expect(() => apply("patchdeletemissing/config.yaml", ["patchdeletemissing/strategic1.yaml"])).toThrow(
      "patch delete: path 'machine.network.hostname' in document '/v1alpha1': failed to delete path 'machine.network.hostname': lookup failed",
    );
  });

  it("the CLI gives the same bytes (talosctl prints the config and a newline)", async () => {
    const r = await runCairn(
      "talos",
      "machineconfig",
      "patch",
      `${DATA}apply/config.yaml`,
      "--talos-version",
      "v1.14.0",
      ...["strategic1", "jsonpatch1", "jsonpatch2", "strategic2", "strategic3"].flatMap((p) => [
        "-p",
        `@${DATA}apply/${p}.yaml`,
      ]),
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(`${read("apply/expected.yaml")}\n`);
  });
});

describe("strings that look like numbers", () => {
  const config =
    'version: v1alpha1\nmachine:\n  type: worker\n  nodeLabels:\n    quoted: "1.0"\n    plain: 1.0\n    octal: 010\n';
  const patch =
    'machine:\n  nodeLabels:\n    fromPatch: "2.0"\n    plainPatch: 2.10\n  sysctls:\n    vm.swappiness: 10\n';

  it("stay strings in string fields, spelled as written (Talos decodes into the Go structs)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cairn-mc-"));
    writeFileSync(join(dir, "c.yaml"), config);
    writeFileSync(join(dir, "p.yaml"), patch);
    const r = await runCairn(
      "talos",
      "machineconfig",
      "patch",
      join(dir, "c.yaml"),
      "-p",
      `@${join(dir, "p.yaml")}`,
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(
      '    nodeLabels:\n        fromPatch: "2.0"\n        octal: "010"\n        plain: "1.0"\n        plainPatch: "2.10"\n        quoted: "1.0"\n',
    );
    expect(r.out).toContain('    sysctls:\n        vm.swappiness: "10"\n');
  });
});
