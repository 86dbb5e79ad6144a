import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { encodeConfigDocuments } from "../../src/talos/config/encode.js";
import { endpointHostname, generateMachineConfig } from "../../src/talos/config/generate.js";
import type { GenerateInput } from "../../src/talos/config/generate.js";
import { validateTalosDocuments } from "../../src/talos/config/validate.js";
import { parseSecretsBundle } from "../../src/talos/secrets/format.js";
import { TALOS_GOLDEN } from "../helpers/shared.js";

const secrets = parseSecretsBundle(readFileSync(`${TALOS_GOLDEN}secrets.yaml`, "utf8"));
const base: GenerateInput = {
  clusterName: "c",
  endpoint: "https://cp.example.com:6443",
  kubernetesVersion: "1.31.2",
  secrets,
  contract: "1.13",
};
const yaml = (input: GenerateInput, type: "controlplane" | "worker" = "controlplane") =>
  encodeConfigDocuments(generateMachineConfig(input, type), input.contract);

describe("generateMachineConfig options", () => {
  it("puts KubeSpan in machine.network up to 1.12 and in a KubeSpanConfig document from 1.13", () => {
    const v12 = yaml({ ...base, contract: "1.12", options: { kubeSpan: true } });
    expect(v12).toContain("    network:\n        kubespan:\n            enabled: true\n");
    expect(v12).not.toContain("KubeSpanConfig");
    const v13 = yaml({ ...base, options: { kubeSpan: true } });
    expect(v13).toMatch(/---\napiVersion: v1alpha1\nkind: KubeSpanConfig\nenabled: true\n$/);
    expect(validateTalosDocuments(v13, "1.13")).toEqual([]);
  });

  it("registry CA and insecure settings: inline up to 1.11, sorted documents from 1.12", () => {
    const options = {
      registryMirrors: { "quay.io": ["https://q.example"], "docker.io": ["https://d1", "https://d2"] },
      registryCACerts: { "quay.io": "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n" },
      registryInsecureSkipVerify: ["docker.io"],
    };
    const v11 = yaml({ ...base, contract: "1.11", options });
    expect(v11).toContain(
      "    registries:\n        mirrors:\n            docker.io:\n                endpoints:\n                    - https://d1\n                    - https://d2\n            quay.io:\n",
    );
    expect(v11).toContain(
      "        config:\n            docker.io:\n                tls:\n                    insecureSkipVerify: true\n",
    );
    const v12 = yaml({ ...base, contract: "1.12", options });
    const kinds = [...v12.matchAll(/^kind: (\w+)\nname: (.+)$/gm)].map((m) => `${m[1]}/${m[2]}`);
    expect(kinds).toEqual([
      "RegistryMirrorConfig/docker.io",
      "RegistryMirrorConfig/quay.io",
      "RegistryTLSConfig/docker.io",
      "RegistryTLSConfig/quay.io",
    ]);
    expect(v12).toContain(
      "name: quay.io\nca: |\n    -----BEGIN CERTIFICATE-----\n    x\n    -----END CERTIFICATE-----\n",
    );
    expect(validateTalosDocuments(v12, "1.12")).toEqual([]);
    expect(validateTalosDocuments(v11, "1.11")).toEqual([]);
  });

  it("leaves images out without a Kubernetes version and honours discovery/KubePrism switches", () => {
    const out = yaml({
      ...base,
      kubernetesVersion: "",
      options: { clusterDiscovery: false, kubePrismPort: 0 },
    });
    expect(out).not.toMatch(/image:/);
    expect(out).toContain("    discovery:\n        enabled: false\n");
    expect(out).not.toContain("kubePrism");
  });

  it("worker configs carry no CA keys or control plane settings", () => {
    const out = yaml({ ...base, options: { additionalSANs: ["a"] } }, "worker");
    expect(out).toContain("    ca:\n        crt: ");
    expect(out.match(/key: ""\n/g)).toHaveLength(2);
    expect(out).not.toMatch(/apiServer|etcd|nodeLabels|aggregatorCA/);
    expect(out).toContain("    certSANs:\n        - a\n");
  });

  it("takes the endpoint host like Go's url.Hostname (case kept, brackets stripped)", () => {
    expect(endpointHostname("https://CP.Example.com:6443")).toBe("CP.Example.com");
    expect(endpointHostname("https://[fd00::1]:6443")).toBe("fd00::1");
    expect(endpointHostname("https://user@host:1/x")).toBe("host");
    expect(yaml({ ...base, contract: "1.11", endpoint: "https://CP.Example.com:6443" })).toContain(
      "        certSANs:\n            - CP.Example.com\n",
    );
  });
});
