// `cairn validate` applies the spec's config patches and checks the result against the contract's schema
// (issue 10 §7): a bad patch is an error at its line — in cairn.yaml for inline patches, in the patch's own file
// for @file patches — and a failing RFC 6902 operation is named by index, op and path. No secrets are needed.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCairn } from "../helpers/cli.js";
import { loadSpecFile } from "../../src/clusterspec/load.js";
import { checkPatches } from "../../src/render/patch-check.js";
import { baseNodeDocuments } from "../../src/render/machine-configs.js";
import { placeholderSecrets } from "../../src/talos/secrets/placeholder.js";
import { validateTalosDocuments } from "../../src/talos/config/validate.js";
import { REPO_ROOT } from "../helpers/shared.js";

const SPEC = `apiVersion: cairn.dev/v1alpha1
kind: Cluster
name: lab
talos:
  version: v1.11.5
  patches:
    - machine:
        install:
          wipe: true
          diskk: /dev/sdb
    - "@ops.yaml"
networks:
  lan:
    cidr: 192.168.1.0/24
provider:
  type: static
nodes:
  - name: cp1
    role: controlplane
    static: { address: 192.168.1.10 }
    interfaces: [{ network: lan, address: 192.168.1.10 }]
    patches:
      - [{ op: add, path: /machine/certSANs/-, value: x.example }, { op: remove, path: /machine/nope }]
`;
const OPS = `- op: add
  path: /machine/kubelet/extraArgs
  value: { rotate-server-certificates: "true" }
- op: replace
  path: /machine/network/hostname2
  value: foo
`;

function specDir(spec = SPEC, ops = OPS): string {
  const dir = mkdtempSync(join(tmpdir(), "cairn-patch-check-"));
  writeFileSync(join(dir, "cairn.yaml"), spec);
  writeFileSync(join(dir, "ops.yaml"), ops);
  return dir;
}

describe("validate checks patches (issue 10 §7)", () => {
  it("reports each bad patch at its line: inline field, @file operation, inline operation", async () => {
    const dir = specDir();
    const r = await runCairn("validate", "--output", "json", join(dir, "cairn.yaml"));
    expect(r.code).toBe(1);
    const found = (JSON.parse(r.out) as Record<string, unknown>[]).map((d) => ({
      file: String(d.file).replace(dir + "/", ""),
      line: d.line,
      path: d.path,
      code: d.code,
      message: d.message,
    }));
    expect(found).toContainEqual({
      file: "cairn.yaml",
      line: 10,
      path: "talos.patches[0].machine.install.diskk",
      code: "patch.schema",
      message:
        'this patch makes an invalid Talos 1.11 config: v1alpha1 /machine/install: unknown field "diskk" (node cp1)',
    });
    expect(found).toContainEqual(
      expect.objectContaining({
        line: 4,
        path: "talos.patches[1]",
        code: "patch.json-op",
        message:
          'operation 1 (replace /machine/network/hostname2) failed: doc is missing key: "/machine/network/hostname2" (node cp1)',
      }),
    );
    expect(found.find((d) => d.code === "patch.json-op" && d.line === 4)!.file).toMatch(/ops\.yaml$/);
    expect(found).toContainEqual(
      expect.objectContaining({
        file: "cairn.yaml",
        line: 23,
        path: "nodes[0].patches[0][1]",
        message: 'operation 1 (remove /machine/nope) failed: doc is missing key: "/machine/nope" (node cp1)',
      }),
    );
  });

  it("good patches pass, and every example's patches are valid", async () => {
    const dir = specDir(
      SPEC.replace("diskk", "disk").replace("/machine/nope", "/machine/certSANs/0"),
      OPS.replace("hostname2", "hostname"),
    );
    const r = await runCairn("validate", join(dir, "cairn.yaml"));
    expect(r.code, r.err).toBe(0);
    for (const f of ["home-ops-ceph.yaml", "hetzner-oxide.yaml"]) {
      const file = join(REPO_ROOT, "examples", f);
      expect(checkPatches(loadSpecFile(file).model!, file, () => "")).toEqual([]);
    }
  });

  it("needs no secrets: the placeholder bundle builds schema-valid configs and holds no key", () => {
    const model = loadSpecFile(join(REPO_ROOT, "examples", "home-ops-ceph.yaml")).model!;
    const secrets = placeholderSecrets();
    for (const n of model.nodes)
      expect(validateTalosDocuments(baseNodeDocuments(model, secrets, n).docs, model.contract)).toEqual([]);
    const decoded = Buffer.from(secrets.certs.os.key, "base64").toString();
    expect(decoded).toMatch(/^cairn placeholder/);
    expect(decoded).not.toMatch(/PRIVATE KEY/);
  });
});
