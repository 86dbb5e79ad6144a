// Every example rendered for Talos 1.14 (talos.version: v1.14.0; Kubernetes moved into 1.14's window where the
// example's own version is older): each node's config is valid for the 1.14 schema, mixes no deprecated v1alpha1
// field with the document that replaces it, installs from the Image Factory's `<platform>-installer` of the node's
// schematic, and carries the node's facts in the documents Talos 1.14 reads them from.
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadSpecText } from "../../src/clusterspec/load.js";
import {
  crossesContract,
  modelAtTalosVersion,
  renderMachineConfigs,
} from "../../src/render/machine-configs.js";
import { rebootNeededFor } from "../../src/talos/api/apply-semantics.js";
import { installDiskCel } from "../../src/render/documents-1.14.js";
import { v1alpha1Conflicts } from "../../src/talos/config/conflicts.js";
import { validateTalosDocuments } from "../../src/talos/config/validate.js";
import { parseSecretsBundle } from "../../src/talos/secrets/format.js";
import { kubernetesSupported, talosMinor } from "../../src/talos/versions.js";
import { REPO_ROOT, TALOS_GOLDEN } from "../helpers/shared.js";

const examples = readdirSync(join(REPO_ROOT, "examples"))
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => join(REPO_ROOT, "examples", f));
const secrets = parseSecretsBundle(
  readFileSync(`${TALOS_GOLDEN}secrets.yaml`, "utf8"),
  "golden/secrets.yaml",
);
const T114 = talosMinor("v1.14.0")!;

const T113 = talosMinor("v1.13.9")!;

/**
 * The example's text on another Talos release (v1.14.0 by default), with its Kubernetes version moved into the
 * windows of `windows` (default: the release's) when it is outside one of them.
 */
function on114(text: string, version = "v1.14.0", windows = [T114]): string {
  let out = text.replace(/^(talos:\n(?:[ \t]*#.*\n)*\s+version:) v[0-9.]+/m, `$1 ${version}`);
  const k8s = /^kubernetes:\n(?:[ \t]*#.*\n)*\s+version: ([0-9.]+)/m.exec(out)?.[1];
  if (k8s && !windows.every((w) => kubernetesSupported(w, k8s)))
    out = out.replace(`version: ${k8s}`, `version: ${T113.defaultKubernetes}`);
  return out;
}

type Doc = Record<string, unknown>;
const docsOf = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as Doc);

describe("every example renders for Talos 1.14", () => {
  it.each(examples.map((f) => [basename(f), f]))("%s", (_name, file) => {
    const text = on114(readFileSync(file, "utf8"));
    expect(text).toMatch(/version: v1\.14\.0/);
    const loaded = loadSpecText(text, file);
    expect(
      loaded.diagnostics.filter((d) => d.severity === "error"),
      file,
    ).toEqual([]);
    const model = loaded.model!;
    expect(model.contract).toBe("1.14");
    const rendered = renderMachineConfigs(model, secrets, (p) =>
      readFileSync(join(dirname(file), p), "utf8"),
    );
    expect(rendered).toHaveLength(model.nodes.length);
    for (const r of rendered) {
      expect(validateTalosDocuments(r.text, "1.14"), `${r.node}`).toEqual([]);
      const docs = docsOf(r.text);
      expect(v1alpha1Conflicts(docs)).toEqual([]);
      const v1 = docs[0]!;
      // Nothing of the ≤ 1.13 layout is left in the v1alpha1 document.
      const machine = v1.machine as Doc;
      for (const gone of ["install", "kubelet", "nodeLabels", "nodeTaints", "network", "sysctls", "kernel"])
        expect(machine[gone], `${r.node} machine.${gone}`).toBeUndefined();
      expect(Object.keys(v1.cluster as Doc).sort()).toEqual(
        r.role === "controlplane" ? ["etcd", "token"] : ["token"],
      );
      const kind = (k: string) => docs.filter((d) => d.kind === k);
      expect(r.installerImage).toMatch(
        new RegExp(
          `^factory\\.talos\\.dev/(metal|nocloud|hcloud)-installer(-secureboot)?/${r.schematicId}:v1\\.14\\.0$`,
        ),
      );
      const install = kind("UnattendedInstallConfig");
      expect(install).toHaveLength(1);
      expect((install[0]!.installer as Doc).image).toBe(r.installerImage);
      const node = model.nodes.find((n) => n.name === r.node)!;
      expect(kind("HostnameConfig")).toEqual([
        { apiVersion: "v1alpha1", kind: "HostnameConfig", hostname: r.node },
      ]);
      const net = kind("KubeNetworkConfig")[0]!;
      expect(net.podSubnets).toEqual(model.spec.kubernetes.podSubnets);
      expect(net.serviceSubnets).toEqual(model.spec.kubernetes.serviceSubnets);
      const kubeNode = kind("KubeNodeConfig")[0]!;
      for (const [k, v] of Object.entries(node.spec.labels)) expect((kubeNode.labels as Doc)[k]).toBe(v);
      expect(kind("KernelModuleConfig").map((d) => d.name)).toEqual(node.spec.kernelModules);
      if (model.spec.nameservers.length)
        expect((kind("ResolverConfig")[0]!.nameservers as Doc[]).map((n) => n.address)).toEqual(
          model.spec.nameservers,
        );
      const cni = model.spec.addons.cni;
      if (r.role === "controlplane") {
        expect(kind("KubeFlannelCNIConfig")).toHaveLength(!cni || cni.type === "flannel" ? 1 : 0);
        if (cni?.kubeProxyReplacement) expect(kind("KubeProxyConfig")[0]!.enabled).toBe(false);
        if (model.spec.kubernetes.allowSchedulingOnControlPlanes) expect(kubeNode.taints).toBeUndefined();
      }
    }
  });

  it.each(examples.map((f) => [basename(f), f]))(
    "%s: crossing 1.13 → 1.14 re-renders every node for the new contract, applied live",
    (_name, file) => {
      const model13 = loadSpecText(on114(readFileSync(file, "utf8"), "v1.13.9", [T113, T114]), file).model!;
      expect(crossesContract(model13.talosVersion, "v1.14.0")).toBe(true);
      expect(crossesContract(model13.talosVersion, "v1.13.8")).toBe(false);
      const model14 = modelAtTalosVersion(model13, "v1.14.0");
      expect(model14.contract).toBe("1.14");
      const read = (p: string) => readFileSync(join(dirname(file), p), "utf8");
      const before = renderMachineConfigs(model13, secrets, read);
      const after = renderMachineConfigs(model14, secrets, read);
      for (const [i, r] of after.entries()) {
        expect(validateTalosDocuments(r.text, "1.14")).toEqual([]);
        expect(r.installerImage).toMatch(/:v1\.14\.0$/);
        // The new form moves settings into documents; none of that needs a boot on 1.14.
        expect(rebootNeededFor("v1.14.0", before[i]!.text, r.text)).toEqual([]);
      }
    },
  );

  it("turns an install disk selector into the CEL expression Talos would build", () => {
    expect(installDiskCel({ size: ">= 100GB", type: "nvme", model: "Samsung*" })).toBe(
      'disk.size >= 100000000000u && glob("Samsung*", disk.model) && disk.transport != "" && ' +
        'disk.transport == "nvme" && !disk.readonly && !disk.cdrom',
    );
    expect(installDiskCel({ size: "2TiB", type: "ssd" })).toBe(
      'disk.size == 2199023255552u && disk.transport != "" && !disk.rotational && !disk.readonly && !disk.cdrom',
    );
  });

  it("refuses a patch that sets a v1alpha1 field 1.14 reads from a document", () => {
    const file = join(REPO_ROOT, "examples", "minimal.yaml");
    const text = on114(readFileSync(file, "utf8")).replace(
      /^talos:\n/m,
      'talos:\n  patches:\n    - machine:\n        kubelet:\n          extraArgs:\n            max-pods: "200"\n',
    );
    const model = loadSpecText(text, file).model!;
    expect(() => renderMachineConfigs(model, secrets, (p) => p)).toThrow(
      /\.machine\.kubelet is set in the v1alpha1 document, which the KubeletConfig document replaces/,
    );
  });
});
