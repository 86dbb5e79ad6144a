// Regenerates every golden config in shared/reference/talos/golden (and the upstream goldens the shared folder lacks,
// committed under test/fixtures/talos/stability) from their documented inputs (SOURCES.md) and compares bytes.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { encodeConfigDocuments } from "../../src/talos/config/encode.js";
import { generateMachineConfig } from "../../src/talos/config/generate.js";
import type { GenerateOptions } from "../../src/talos/config/generate.js";
import { applyPatches, parsePatch } from "../../src/talos/patch/index.js";
import { parseSecretsBundle } from "../../src/talos/secrets/format.js";
import type { Contract } from "../../src/talos/versions.js";
import { REPO_ROOT, TALOS_GOLDEN } from "../helpers/shared.js";

const CONTRACTS: Contract[] = ["1.8", "1.9", "1.10", "1.11", "1.12", "1.13", "1.14"];
const FIXTURES = `${REPO_ROOT}test/fixtures/talos/stability/`;
const secrets = parseSecretsBundle(
  readFileSync(`${TALOS_GOLDEN}secrets.yaml`, "utf8"),
  "golden/secrets.yaml",
);
// Upstream's overrides flavour applies patch-pre14.yaml up to 1.13 and patch.yaml (a KubeletConfig document) from 1.14.
const patchPre14 = parsePatch(readFileSync(`${TALOS_GOLDEN}patch.yaml`, "utf8"));
const patch14 = parsePatch(readFileSync(`${FIXTURES}patch.yaml`, "utf8"));
const goldenFile = (contract: Contract, name: string) => {
  const shared = `${TALOS_GOLDEN}v${contract}/${name}.yaml`;
  return existsSync(shared) ? shared : `${FIXTURES}v${contract}/${name}.yaml`;
};

const OVERRIDES: GenerateOptions = {
  additionalSANs: ["foo", "bar"],
  allowSchedulingOnControlPlanes: true,
  dnsDomain: "example.com",
  installDisk: "/dev/vda",
  installExtraKernelArgs: ["foo=bar", "bar=baz"],
  localAPIServerPort: 5443,
  sysctls: { foo: "bar" },
  customCNIURL: "https://example.com/cni.yaml",
  registryMirrors: { "ghcr.io": ["https://ghcr.io.my-mirror.com"] },
};

describe("golden machine configs", () => {
  for (const contract of CONTRACTS) {
    for (const flavour of ["base", "overrides"] as const) {
      for (const type of ["controlplane", "worker"] as const) {
        const file = goldenFile(contract, `${flavour}-${type}`);
        it(`v${contract}/${flavour}-${type}.yaml`, () => {
          let docs = generateMachineConfig(
            {
              clusterName: "base",
              endpoint: "https://base:6443",
              kubernetesVersion: "1.28.0",
              secrets,
              contract,
              options: flavour === "overrides" ? OVERRIDES : {},
            },
            type,
          );
          if (flavour === "overrides")
            docs = applyPatches(docs, [contract === "1.14" ? patch14 : patchPre14]);
          expect(encodeConfigDocuments(docs, contract)).toBe(readFileSync(file, "utf8"));
        });
      }
    }
  }

  it("every golden file is covered", () => {
    for (const contract of CONTRACTS) {
      for (const name of ["base-controlplane", "base-worker", "overrides-controlplane", "overrides-worker"]) {
        expect(existsSync(goldenFile(contract, name)), `${contract} ${name}`).toBe(true);
      }
    }
    expect(parseAllDocuments(readFileSync(`${TALOS_GOLDEN}patch.yaml`, "utf8")).length).toBe(1);
  });
});
