import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCairn } from "../helpers/cli.js";
import { validateTalosDocuments } from "../../src/talos/config/validate.js";
import { parseTalosconfig } from "../../src/talos/talosconfig.js";
import type { Contract } from "../../src/talos/versions.js";
import { REPO_ROOT, TALOS_GOLDEN } from "../helpers/shared.js";

const cairn = runCairn;

const SECRETS = `${TALOS_GOLDEN}secrets.yaml`;
const FIXTURES = `${REPO_ROOT}test/fixtures/talos/stability/`;
const CONTRACTS: Contract[] = ["1.8", "1.9", "1.10", "1.11", "1.12", "1.13", "1.14"];
const mode = (path: string) => statSync(path).mode & 0o777;
/** A golden from ../shared/reference, or from the upstream copies in test/fixtures when the shared folder lacks it. */
const golden = (contract: string, name: string) => {
  const shared = `${TALOS_GOLDEN}v${contract}/${name}.yaml`;
  return readFileSync(existsSync(shared) ? shared : `${FIXTURES}v${contract}/${name}.yaml`, "utf8");
};
/** The generator options of upstream's "overrides" stability flavour, as gen-config flags. */
const OVERRIDE_FLAGS = [
  "--additional-sans",
  "foo,bar",
  "--allow-scheduling-on-control-planes",
  "--dns-domain",
  "example.com",
  "--install-disk",
  "/dev/vda",
  "--install-extra-kernel-args",
  "foo=bar,bar=baz",
  "--local-api-server-port",
  "5443",
  "--sysctl",
  "foo=bar",
  "--custom-cni-url",
  "https://example.com/cni.yaml",
  "--registry-mirror",
  "ghcr.io=https://ghcr.io.my-mirror.com",
];
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
  for (const contract of CONTRACTS) {
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

  for (const contract of CONTRACTS) {
    it(`reproduces the v${contract} overrides goldens with the generator-option flags and upstream's patch`, async () => {
      // Upstream patches the overrides flavour with patch-pre14.yaml up to 1.13 and with patch.yaml from 1.14.
      const patch = contract === "1.14" ? `${FIXTURES}patch.yaml` : `${TALOS_GOLDEN}patch.yaml`;
      const dir = mkdtempSync(join(tmpdir(), "cairn-gen-config-"));
      const r = await cairn(
        ...goldenArgs(contract),
        ...OVERRIDE_FLAGS,
        "--config-patch",
        `@${patch}`,
        "-o",
        dir,
      );
      expect(r.code, r.err).toBe(0);
      expect(readFileSync(join(dir, "controlplane.yaml"), "utf8")).toBe(
        golden(contract, "overrides-controlplane"),
      );
      expect(readFileSync(join(dir, "worker.yaml"), "utf8")).toBe(golden(contract, "overrides-worker"));
      // 1.14 has nowhere to put install kernel args; cairn says so instead of dropping them silently.
      expect(r.err.includes("--install-extra-kernel-args is ignored")).toBe(contract === "1.14");
    });
  }

  it("1.14 defaults: the Image Factory metal installer, no KubeFlannelCNIConfig with a custom CNI", async () => {
    const r = await cairn(
      "talos",
      "gen-config",
      "demo",
      "https://10.0.0.10:6443",
      "--talos-version",
      "v1.14",
      "--custom-cni-url",
      "https://example.com/cilium.yaml",
      "--output-types",
      "controlplane",
      "-o",
      "-",
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(
      "kind: UnattendedInstallConfig\ninstaller:\n    image: factory.talos.dev/metal-installer/" +
        "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba:v1.14.0\n",
    );
    expect(r.out).toContain('match: disk.dev_path == "/dev/sda"');
    expect(r.out).not.toContain("KubeFlannelCNIConfig");
    expect(r.out).toContain(
      "kind: KubeExternalManifestConfig\nname: custom-cni\nurl: https://example.com/cilium.yaml\n",
    );
    expect(validateTalosDocuments(r.out, "1.14")).toEqual([]);
  });

  it("refuses commented output (--with-docs, --with-examples) and bad generator-option values", async () => {
    const base = ["talos", "gen-config", "c", "https://10.0.0.1:6443", "-o", "-", "--output-types", "worker"];
    for (const flag of ["--with-docs", "--with-examples=true"]) {
      const r = await cairn(...base, flag);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/does not write commented configs/);
      expect(r.err).toContain("--with-docs=false --with-examples=false");
    }
    const ok = await cairn(...base, "--with-docs=false", "--with-examples=false");
    expect(ok.code, ok.err).toBe(0);
    const cases: [string[], RegExp][] = [
      [["--sysctl", "novalue"], /invalid --sysctl "novalue"/],
      [["--local-api-server-port", "70000"], /expected a TCP port/],
      [["--custom-cni-url", "not a url"], /invalid --custom-cni-url/],
    ];
    for (const [args, message] of cases) {
      const r = await cairn(...base, ...args);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(message);
    }
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
