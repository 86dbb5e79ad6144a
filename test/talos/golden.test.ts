// Regenerates every golden config in shared/reference/talos/golden from its documented inputs (SOURCES.md) and
// compares bytes.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { encodeConfigDocuments } from "../../src/talos/config/encode.js";
import { generateMachineConfig } from "../../src/talos/config/generate.js";
import type { GenerateOptions } from "../../src/talos/config/generate.js";
import { applyPatches, parsePatch } from "../../src/talos/patch/index.js";
import { parseSecretsBundle } from "../../src/talos/secrets/format.js";
import type { Contract } from "../../src/talos/versions.js";
import { TALOS_GOLDEN } from "../helpers/shared.js";

const CONTRACTS: Contract[] = ["1.9", "1.10", "1.11", "1.12", "1.13"];
const secrets = parseSecretsBundle(
  readFileSync(`${TALOS_GOLDEN}secrets.yaml`, "utf8"),
  "golden/secrets.yaml",
);
const patch = parsePatch(readFileSync(`${TALOS_GOLDEN}patch.yaml`, "utf8"));

const OVERRIDES: GenerateOptions = {
  additionalSANs: ["foo", "bar"],
  allowSchedulingOnControlPlanes: true,
  dnsDomain: "example.com",
  installDisk: "/dev/vda",
  installExtraKernelArgs: ["foo=bar", "bar=baz"],
  localAPIServerPort: 5443,
  sysctls: { foo: "bar" },
  cni: { name: "custom", urls: ["https://example.com/cni.yaml"] },
  registryMirrors: { "ghcr.io": ["https://ghcr.io.my-mirror.com"] },
};

describe("golden machine configs", () => {
  for (const contract of CONTRACTS) {
    for (const flavour of ["base", "overrides"] as const) {
      for (const type of ["controlplane", "worker"] as const) {
        const file = `${TALOS_GOLDEN}v${contract}/${flavour}-${type}.yaml`;
        if (!existsSync(file)) continue;
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
          if (flavour === "overrides") docs = applyPatches(docs, [patch]);
          expect(encodeConfigDocuments(docs, contract)).toBe(readFileSync(file, "utf8"));
        });
      }
    }
  }

  it("every golden file is covered", () => {
    for (const contract of CONTRACTS) {
      for (const name of ["base-controlplane", "base-worker"]) {
        expect(existsSync(`${TALOS_GOLDEN}v${contract}/${name}.yaml`)).toBe(true);
      }
    }
    expect(parseAllDocuments(readFileSync(`${TALOS_GOLDEN}patch.yaml`, "utf8")).length).toBe(1);
  });
});
