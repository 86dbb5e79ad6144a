// Every example's platform: every object cairn emits (GitOps tree and Talos inline manifests) is valid against the
// reference schemas (ajv, ../shared/reference), every Kustomization path builds with a real kubectl kustomize,
// the control planes' configs stay small enough for Hetzner user_data, and rendering twice gives the same bytes.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadSpecFile } from "../../src/clusterspec/load.js";
import { gitopsTree } from "../../src/gitops/index.js";
import { renderAddons } from "../../src/addons/index.js";
import { renderMachineConfigs } from "../../src/render/machine-configs.js";
import { parseSecretsBundle } from "../../src/talos/secrets/format.js";
import { validateTalosDocuments } from "../../src/talos/config/validate.js";
import { hasReference, oracle } from "../helpers/k8s-schemas.js";
import { kubectlOffline as kubectl } from "../helpers/kubectl.js";
import { REPO_ROOT, TALOS_GOLDEN } from "../helpers/shared.js";
import { Ajv } from "ajv";

const EXAMPLES = readdirSync(join(REPO_ROOT, "examples"))
  .filter((f) => f.endsWith(".yaml"))
  .sort();
const secrets = parseSecretsBundle(
  readFileSync(`${TALOS_GOLDEN}secrets.yaml`, "utf8"),
  "golden/secrets.yaml",
);
const talosSaSchema = JSON.parse(
  readFileSync(join(REPO_ROOT, "schema/kubernetes/crds/talos.dev/serviceaccount_v1alpha1.json"), "utf8"),
) as object;
const talosSa = new Ajv({ strict: false, allErrors: true }).compile(talosSaSchema);

const model = (file: string) => {
  const r = loadSpecFile(join(REPO_ROOT, "examples", file));
  if (!r.model) throw new Error(JSON.stringify(r.diagnostics, null, 1));
  return r.model;
};

describe.each(EXAMPLES)("%s", (file) => {
  it("emits only objects valid against the reference schemas (ajv)", () => {
    const m = model(file);
    const tree = gitopsTree(m);
    const inline = renderAddons(m).inlineManifests.flatMap((x) => x.objects);
    const all = [...tree.objects.map((o) => o.object), ...inline];
    let valid = 0;
    for (const o of all) {
      if (o.apiVersion === "talos.dev/v1alpha1") {
        // Talos' own CRD (no reference file): checked against its converted schema (schema/kubernetes/SOURCES.md).
        expect(talosSa(o), JSON.stringify(talosSa.errors)).toBe(true);
        valid++;
        continue;
      }
      expect(hasReference(o.apiVersion, o.kind), `${o.apiVersion} ${o.kind} has a reference schema`).toBe(
        true,
      );
      const r = oracle(o);
      expect(r.errors, `${o.kind} ${o.metadata.name} against ${r.file}`).toEqual([]);
      valid++;
    }
    console.log(
      `${file}: ${tree.objects.length} objects in ${tree.files.length} GitOps files + ${inline.length} in Talos inline manifests; ${valid}/${all.length} schema-valid`,
    );
    expect(valid).toBe(all.length);
  });

  it("builds every Kustomization path with kubectl kustomize", () => {
    const tree = gitopsTree(model(file));
    const dir = mkdtempSync(join(tmpdir(), "cairn-gitops-"));
    for (const f of tree.files) {
      mkdirSync(dirname(join(dir, f.path)), { recursive: true });
      writeFileSync(join(dir, f.path), f.content);
    }
    for (const k of tree.kustomizations) {
      const r = kubectl(["kustomize", join(dir, k)]);
      expect(r.stderr, `kubectl kustomize ${k || "."}`).toBe("");
      expect(r.status).toBe(0);
      // What kustomize builds is exactly what the folder's files hold (nested folders included).
      const built = parseAllDocuments(r.stdout).filter((d) => d.contents !== null).length;
      const prefix = k ? `${k}/` : "";
      const own = tree.objects.filter((o) => {
        if (!o.file.startsWith(prefix)) return false;
        // The root holds flux-system/ and layers.yaml; the layer folders are applied by their own Kustomizations.
        return k !== "" || o.file === "layers.yaml" || o.file.startsWith("flux-system/");
      }).length;
      expect(built, `objects built from ${k || "."}`).toBe(own);
    }
  });

  it("renders the same bytes twice", () => {
    const a = gitopsTree(model(file));
    const b = gitopsTree(model(file));
    expect(a).not.toBe(b); // two models, two renders
    expect(b.files).toEqual(a.files);
  });

  it("keeps the machine configs schema-valid with the add-ons' patches, and within 32 KiB", () => {
    const m = model(file);
    for (const c of renderMachineConfigs(m, secrets, () => "")) {
      expect(validateTalosDocuments(c.text, m.contract), c.node).toEqual([]);
      // Hetzner Cloud refuses user_data over 32 KiB; the inline manifests ride in the control planes' config.
      expect(Buffer.byteLength(c.text), c.node).toBeLessThan(32 * 1024);
    }
  });
});
