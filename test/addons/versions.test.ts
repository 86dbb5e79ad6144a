// The version table: which Cilium and Flux a cluster gets, and what `cairn validate` says about a pinned one.
import { describe, expect, it } from "vitest";
import { loadSpecText } from "../../src/clusterspec/load.js";
import { defaultCiliumRelease } from "../../src/addons/cilium/versions.js";
import { defaultFluxRelease } from "../../src/addons/flux/versions.js";

function findings(kubernetes: string, talos: string, addons: string) {
  const text = [
    "apiVersion: cairn.dev/v1alpha1",
    "kind: Cluster",
    "name: lab",
    `talos: { version: ${talos} }`,
    `kubernetes: { version: ${kubernetes} }`,
    "networks: { lan: { cidr: 192.168.1.0/24 } }",
    "provider: { type: static }",
    "nodes: [{ name: cp-1, role: controlplane, static: { address: 192.168.1.10 }, interfaces: [{ network: lan, address: 192.168.1.10 }] }]",
    "addons:",
    addons,
  ].join("\n");
  return loadSpecText(text, "cairn.yaml")
    .diagnostics.filter((d) => d.code !== "addons.no-gitops")
    .map((d) => `${d.severity} ${d.code} ${d.path}`);
}

describe("Cilium ↔ Gateway API ↔ Kubernetes ↔ Talos", () => {
  it("picks the newest release tested with the cluster's Kubernetes", () => {
    expect(defaultCiliumRelease("1.30.4", false).version).toBe("1.18.14");
    expect(defaultCiliumRelease("1.33.1", false).version).toBe("1.19.4");
    expect(defaultCiliumRelease("1.35.0", false).version).toBe("1.19.4");
    // Gateway API: only releases that run on the standard channel.
    expect(defaultCiliumRelease("1.34.1", true).version).toBe("1.18.14");
    expect(defaultCiliumRelease("1.33.1", true)).toMatchObject({ version: "1.18.14", gatewayAPI: "v1.3.0" });
    // Untested either way: the nearest end of the table.
    expect(defaultCiliumRelease("1.28.0", false).version).toBe("1.18.14");
    expect(defaultCiliumRelease("1.36.0", false).version).toBe("1.19.4");
  });

  it("warns outside a release's tested window, refuses unknown releases and 1.19 with Gateway API", () => {
    expect(findings("1.34.1", "v1.11.5", "  cni: { type: cilium }")).toEqual([]);
    expect(findings("1.34.1", "v1.11.5", "  cni: { type: cilium, version: 1.18.2 }")).toEqual([
      "warning addons.cilium-kubernetes-untested addons.cni.version",
    ]);
    expect(findings("1.34.1", "v1.11.5", "  cni: { type: cilium, version: 1.17.0 }")).toEqual([
      "error addons.cilium-version addons.cni.version",
    ]);
    expect(
      findings(
        "1.34.1",
        "v1.11.5",
        "  cni: { type: cilium, version: 1.19.4, kubeProxyReplacement: true, gatewayAPI: true }",
      ),
    ).toEqual(["error addons.cilium-gateway-api-version addons.cni.version"]);
  });
});

describe("Flux ↔ Kubernetes", () => {
  it("picks the newest Flux whose minimum Kubernetes the cluster meets", () => {
    expect(defaultFluxRelease("1.34.1").version).toBe("v2.9.4");
    expect(defaultFluxRelease("1.32.0").version).toBe("v2.7.5");
    expect(defaultFluxRelease("1.31.1").version).toBe("v2.6.4");
    expect(defaultFluxRelease("1.30.0")).toMatchObject({
      version: "v2.5.1",
      ociRepositoryApiVersion: "source.toolkit.fluxcd.io/v1beta2",
    });
  });

  it("refuses a pinned Flux the cluster's Kubernetes is too old for", () => {
    const flux = (v: string) => `  gitops: { flux: { url: https://git.example/fleet, version: ${v} } }`;
    expect(findings("1.31.1", "v1.10.9", flux("v2.6.4"))).toEqual([]);
    expect(findings("1.31.1", "v1.10.9", flux("v2.9.4"))).toEqual([
      "error addons.flux-kubernetes addons.gitops.flux.version",
    ]);
    expect(findings("1.31.1", "v1.10.9", flux("v3.0.0"))).toEqual([
      "error addons.flux-version addons.gitops.flux.version",
    ]);
  });
});
