import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCairn } from "../helpers/cli.js";
import { validateTalosDocuments } from "../../src/talos/config/validate.js";
import { parseTalosconfig } from "../../src/talos/talosconfig.js";
import type { Contract } from "../../src/talos/versions.js";
import { TALOS_GOLDEN } from "../helpers/shared.js";

const cairn = runCairn;

const SECRETS = `${TALOS_GOLDEN}secrets.yaml`;
const mode = (path: string) => statSync(path).mode & 0o777;
const golden = (contract: string, name: string) =>
  readFileSync(`${TALOS_GOLDEN}v${contract}/${name}.yaml`, "utf8");
const goldenArgs = (contract: Contract) => [
  "talos",
  "gen-config",
  "base",
  "https://base:6443",
  "--with-secrets",
  SECRETS,
  "--talos-version",
  `v${contract}`,
  "--kubernetes-version",
  "1.28.0",
  "--install-disk",
  "",
  "--install-image",
  "",
];

describe("cairn talos gen-config", () => {
  for (const contract of ["1.9", "1.10", "1.11", "1.12", "1.13"] as Contract[]) {
    it(`reproduces the v${contract} base goldens when install disk and image are left out`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "cairn-gen-config-"));
      const r = await cairn(...goldenArgs(contract), "-o", dir);
      expect(r.code, r.err).toBe(0);
      expect(readFileSync(join(dir, "controlplane.yaml"), "utf8")).toBe(
        golden(contract, "base-controlplane"),
      );
      expect(readFileSync(join(dir, "worker.yaml"), "utf8")).toBe(golden(contract, "base-worker"));
      for (const f of ["controlplane.yaml", "worker.yaml", "talosconfig"])
        expect(mode(join(dir, f))).toBe(0o600);
      expect(r.err).toContain(`Created ${join(dir, "controlplane.yaml")}`);
      const talosconfig = readFileSync(join(dir, "talosconfig"), "utf8");
      expect(talosconfig).toMatch(/^context: base\ncontexts:\n {4}base:\n {8}endpoints: \[\]\n {8}ca: /);
      expect(parseTalosconfig(talosconfig)).toBeTruthy();
    });
  }

  it("maps --additional-sans, --dns-domain, --install-disk, --registry-mirror and --config-patch like talosctl", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cairn-gen-config-"));
    const patch = join(dir, "patch.yaml");
    writeFileSync(patch, readFileSync(`${TALOS_GOLDEN}patch.yaml`, "utf8"));
    const r = await cairn(
      ...goldenArgs("1.12"),
      "--install-disk",
      "/dev/vda",
      "--additional-sans",
      "foo,bar",
      "--dns-domain",
      "example.com",
      "--registry-mirror",
      "ghcr.io=https://ghcr.io.my-mirror.com",
      "--config-patch",
      `@${patch}`,
      "--output-types",
      "worker",
      "-o",
      "-",
    );
    expect(r.code, r.err).toBe(0);
    // The overrides golden also sets sysctls, kernel args and a CNI, which have no gen-config flag.
    const expected = golden("1.12", "overrides-worker")
      .replace("        extraKernelArgs:\n            - foo=bar\n            - bar=baz\n", "")
      .replace("    sysctls:\n        foo: bar\n", "")
      .replace(
        "        cni:\n            name: custom\n            urls:\n                - https://example.com/cni.yaml\n",
        "",
      );
    expect(r.out).toBe(expected);
  });

  it("defaults: fresh secrets, /dev/sda, the contract's installer tag, a config valid for the schema", async () => {
    const r = await cairn(
      "talos",
      "gen-config",
      "demo",
      "https://10.0.0.10:6443",
      "--talos-version",
      "v1.11",
      "--output-types",
      "controlplane",
      "-o",
      "-",
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(
      "    install:\n        disk: /dev/sda\n        image: ghcr.io/siderolabs/installer:v1.11.6\n",
    );
    expect(r.out).toContain("image: ghcr.io/siderolabs/kubelet:v1.34.1\n");
    expect(r.out).toContain("        certSANs:\n            - 10.0.0.10\n");
    expect(validateTalosDocuments(r.out, "1.11")).toEqual([]);
  });

  it("takes talosctl's explicit boolean values: --with-cluster-discovery=false, --with-kubespan=true", async () => {
    const args = ["talos", "gen-config", "c", "https://10.0.0.1:6443", "--talos-version", "v1.11"];
    const off = await cairn(
      ...args,
      "--with-cluster-discovery=false",
      "--output-types",
      "controlplane",
      "-o",
      "-",
    );
    expect(off.code, off.err).toBe(0);
    expect(off.out).toMatch(/ {4}discovery:\n {8}enabled: false\n/);
    const span = await cairn(...args, "--with-kubespan=true", "--output-types", "controlplane", "-o", "-");
    expect(span.out).toMatch(/ {8}kubespan:\n {12}enabled: true\n/);
    const bad = await cairn(...args, "--with-kubespan=maybe", "-o", "-");
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('expected true or false, not "maybe"');
  });

  it("refuses endpoints without https or a port, suggesting the fixed URL", async () => {
    const cases: [string, RegExp, string][] = [
      ["base:6443", /no scheme specified/, 'try: "https://base:6443"'],
      ["10.0.0.1", /no scheme and port specified/, 'try: "https://10.0.0.1:6443"'],
      ["http://base:6443", /should have scheme https/, 'try: "https://base:6443"'],
      ["https://base", /needs a port/, 'try: "https://base:6443"'],
    ];
    for (const [endpoint, message, hint] of cases) {
      const r = await cairn("talos", "gen-config", "c", endpoint, "-o", "-", "--output-types", "worker");
      expect(r.code).toBe(1);
      expect(r.err).toMatch(message);
      expect(r.err).toContain(hint);
    }
  });

  it("refuses to overwrite files, several types on stdout, unknown output types and bad mirrors", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cairn-gen-config-"));
    writeFileSync(join(dir, "worker.yaml"), "keep");
    let r = await cairn(...goldenArgs("1.13"), "-o", dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/worker\.yaml" already exists/);
    expect(readFileSync(join(dir, "worker.yaml"), "utf8")).toBe("keep");
    r = await cairn(...goldenArgs("1.13"), "-o", dir, "--force", "--output-types", "worker");
    expect(r.code).toBe(1); // one output type: -o names the file, and dir is a directory
    expect(r.err).toMatch(/is a directory/);
    r = await cairn(...goldenArgs("1.13"), "-o", join(dir, "w.yaml"), "--output-types", "worker");
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(join(dir, "w.yaml"), "utf8")).toBe(golden("1.13", "base-worker"));
    r = await cairn(...goldenArgs("1.13"), "-o", "-");
    expect(r.err).toMatch(/multiple output types with stdout/);
    r = await cairn(...goldenArgs("1.13"), "--output-types", "kubeconfig", "-o", "-");
    expect(r.err).toMatch(/invalid output type: "kubeconfig"/);
    r = await cairn(
      ...goldenArgs("1.13"),
      "--registry-mirror",
      "docker.io",
      "-o",
      "-",
      "--output-types",
      "worker",
    );
    expect(r.err).toMatch(/invalid registry mirror spec/);
    r = await cairn(...goldenArgs("1.13"), "--talos-version", "v1.5", "-o", "-", "--output-types", "worker");
    expect(r.err).toMatch(/unsupported --talos-version "v1.5"/);
  });
});
