// No secret of the bundle in any error (issue 9 §3). A single-node cluster on the twin, then every rejection path
// the probe found or that handles secret-bearing text — validate, render, plan, `talos machineconfig patch` and
// `talos apply-config` against the twin node — run with the cluster's secrets present and fed secret-bearing
// mistakes: patches of the wrong type at machine.ca.key, machine.token and the encryption secret (the probe's case:
// the merge error quoted the Talos CA key), YAML syntax errors on lines that hold keys, secret values pasted into
// fields they do not belong in, the secrets bundle itself given where a spec or a config is expected. Every output
// is scanned for every secret string of the bundle, raw, base64 and as decoded PEM lines, in 24-character windows
// (so a truncated quote is caught too).
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "../helpers/shared.js";
import { BIN, twinCli, twinDown, twinEnv } from "../helpers/twin-cli.js";

const SUBNET = "127.0.192.0/24";
const dir = mkdtempSync(join(tmpdir(), "cairn-secret-scan-"));
const spec = join(dir, "cairn.yaml");
const clusterDir = join(dir, ".cairn", "solo");
const cairn = twinCli(dir, SUBNET);
const NODE = "127.0.192.1";

/** Every secret of the bundle in each form an error could quote it. */
function secretForms(bundleText: string): string[] {
  const forms = new Set<string>();
  const walk = (v: unknown, key: string): void => {
    if (typeof v === "string") {
      if (key === "crt" || v.length < 8) return; // certificates are public
      forms.add(v);
      forms.add(Buffer.from(v).toString("base64"));
      const decoded = Buffer.from(v, "base64").toString("utf8");
      if (decoded.includes("-----BEGIN"))
        for (const line of decoded.split("\n"))
          if (line.length >= 16 && !line.startsWith("-----")) forms.add(line);
    } else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(parse(bundleText), "");
  return [...forms];
}

/** 24-character windows (stride 12) of every form: a quote of at least 36 characters anywhere is found. */
function windows(forms: readonly string[]): string[] {
  const out = new Set<string>();
  for (const f of forms) {
    if (f.length <= 24) out.add(f);
    else for (let i = 0; i + 24 <= f.length; i += 12) out.add(f.slice(i, i + 24));
  }
  return [...out];
}

let bundle = "";
let leaks: string[] = [];
const runs: { what: string; code: number; text: string }[] = [];

function run(what: string, args: string[]): { code: number; text: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    encoding: "utf8",
    timeout: 60_000,
    env: twinEnv(SUBNET),
  });
  const result = { code: r.status ?? -1, text: `${r.stdout}${r.stderr}` };
  runs.push({ what, ...result });
  return result;
}

function expectRejectedClean(what: string, args: string[]): string {
  const r = run(what, args);
  expect(r.code, `${what}:\n${r.text}`).not.toBe(0);
  expect(r.code, `${what}: exit 70 is a bug:\n${r.text}`).not.toBe(70);
  const found = leaks.filter((w) => r.text.includes(w));
  expect(found, `${what} printed secret material:\n${r.text}`).toEqual([]);
  return r.text;
}

/** The spec with a strategic patch added to talos.patches. */
function withPatch(name: string, patch: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, readFileSync(spec, "utf8").replace("talos:\n", `talos:\n  patches:\n    - ${patch}\n`));
  return file;
}

beforeAll(() => {
  copyFileSync(join(REPO_ROOT, "examples/single-node.yaml"), spec);
  const a = cairn(["apply", "-f", spec, "--twin", "--yes"]);
  expect(a.code, a.err + a.out).toBe(0);
  bundle = readFileSync(join(clusterDir, "secrets.yaml"), "utf8");
  leaks = windows(secretForms(bundle));
}, 120_000);

afterAll(() => {
  twinDown(join(clusterDir, "twin"));
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("the scan itself", () => {
  it("knows the bundle's secrets and would see one printed", () => {
    expect(leaks.length).toBeGreaterThan(50);
    const key = (parse(bundle) as { certs: { os: { key: string } } }).certs.os.key;
    expect(leaks.some((w) => `the config has the string "${key.slice(0, 40)}…"`.includes(w))).toBe(true);
  });
});

// The wrong-type patches of the probe: each makes render and plan fail in the merge.
const BAD_PATCHES: [string, string][] = [
  ["ca-key-mapping", "{ machine: { ca: { key: { a: 1 } } } }"],
  ["ca-key-number", "{ machine: { ca: { key: 5 } } }"],
  ["token-list", "{ machine: { token: [1] } }"],
  ["cluster-secret-list", "{ cluster: { secret: [x] } }"],
  ["secretbox-mapping", "{ cluster: { secretboxEncryptionSecret: { a: 1 } } }"],
  ["k8s-ca-key-bool", "{ cluster: { ca: { key: true } } }"],
  ["sa-key-mapping", "{ cluster: { serviceAccount: { key: { a: 1 } } } }"],
  ["bootstrap-token-list", "{ cluster: { token: [a] } }"],
];

describe.sequential("rejection paths print no secret", () => {
  it.each(BAD_PATCHES)("render and plan with a %s patch", (name, patch) => {
    const file = withPatch(name, patch);
    expect(expectRejectedClean(`render ${name}`, ["render", "-f", file])).toMatch(/error: /);
    expectRejectedClean(`plan ${name}`, ["plan", "-f", file, "--twin", "--dir", clusterDir]);
  });

  it("validate: secrets pasted into the wrong fields, and the bundle, a config or a talosconfig given as the spec", () => {
    const b = parse(bundle) as { secrets: { bootstraptoken: string }; certs: { os: { key: string } } };
    const text = readFileSync(spec, "utf8");
    const pasted = join(dir, "pasted.yaml");
    writeFileSync(
      pasted,
      text
        .replace("kind: Cluster", `kind: ${b.certs.os.key}`)
        .replace("role: controlplane", `role: ${b.secrets.bootstraptoken}`)
        .replace("installDisk: /dev/nvme0n1", `installDisk: [${b.certs.os.key}]`),
    );
    expectRejectedClean("validate pasted", ["validate", pasted]);
    expectRejectedClean("validate pasted --output json", ["validate", pasted, "--output", "json"]);
    expectRejectedClean("validate secrets.yaml", ["validate", join(clusterDir, "secrets.yaml")]);
    expectRejectedClean("validate a machine config", ["validate", join(clusterDir, "nodes", "solo.yaml")]);
    expectRejectedClean("validate a talosconfig", ["validate", join(clusterDir, "talosconfig")]);
    // A YAML syntax error on a line that holds a key.
    const broken = join(dir, "broken.yaml");
    writeFileSync(broken, `${text}x-key: ${b.certs.os.key} bad: [\n`);
    expectRejectedClean("validate broken YAML", ["validate", broken]);
  });

  it("render with a secrets bundle broken on a key line or holding a key of the wrong type", () => {
    const original = readFileSync(join(clusterDir, "secrets.yaml"), "utf8");
    try {
      const lines = original.split("\n");
      const at = lines.findIndex((l) => l.trimStart().startsWith("key: "));
      lines[at] = `${lines[at]} x: [`;
      writeFileSync(join(clusterDir, "secrets.yaml"), lines.join("\n"));
      expectRejectedClean("render with broken secrets.yaml", ["render", "-f", spec]);
      writeFileSync(
        join(clusterDir, "secrets.yaml"),
        original.replace(/^( {8}key: )(\S+)$/m, (_m, k: string, v: string) => `${k}{ wrapped: ${v} }`),
      );
      expectRejectedClean("render with a mapping at a key", ["render", "-f", spec]);
    } finally {
      writeFileSync(join(clusterDir, "secrets.yaml"), original, { mode: 0o600 });
    }
  });

  it("talos machineconfig patch: wrong types at secret fields, a broken config", () => {
    const config = join(clusterDir, "nodes", "solo.yaml");
    // A number or boolean replacing a string merges (talosctl does not validate here); a list or mapping does not.
    const mismatched = BAD_PATCHES.filter(([name]) => !/number|bool/.test(name));
    expect(mismatched).toHaveLength(6);
    for (const [name, patch] of mismatched)
      expectRejectedClean(`machineconfig patch ${name}`, [
        "talos",
        "machineconfig",
        "patch",
        config,
        "--patch",
        patch,
        "--talos-version",
        "v1.12.11",
      ]);
    expectRejectedClean("machineconfig patch json6902 test", [
      "talos",
      "machineconfig",
      "patch",
      config,
      "--patch",
      '[{"op": "test", "path": "/machine/token", "value": "x"}]',
    ]);
    const broken = join(dir, "broken-config.yaml");
    const brokenText = readFileSync(config, "utf8").replace(/^( {8}key: \S+)$/m, "$1 x: [");
    expect(brokenText).not.toBe(readFileSync(config, "utf8"));
    writeFileSync(broken, brokenText);
    expectRejectedClean("machineconfig patch of a broken config", [
      "talos",
      "machineconfig",
      "patch",
      broken,
      "--patch",
      "{ machine: { env: { A: b } } }",
    ]);
  });

  it("talos apply-config to the twin node: a config of the wrong types, broken YAML, the bundle itself", () => {
    const config = readFileSync(join(clusterDir, "nodes", "solo.yaml"), "utf8");
    const tc = join(clusterDir, "talosconfig");
    const cases: [string, string][] = [
      ["token as a list", config.replace(/^( {4}token: )(\S+)$/m, "$1[$2]")],
      ["ca key as a mapping", config.replace(/^( {8}key: )(\S+)$/m, "$1{ k: $2 }")],
      ["broken YAML on a key line", config.replace(/^( {8}key: \S+)$/m, "$1 x: [")],
      ["the secrets bundle", bundle],
    ];
    expect(cases.every(([, t]) => t !== config)).toBe(true);
    for (const [name, text] of cases) {
      const file = join(dir, `apply-${name.replace(/\W+/g, "-")}.yaml`);
      writeFileSync(file, text, { mode: 0o600 });
      const out = expectRejectedClean(`apply-config ${name}`, [
        "talos",
        "apply-config",
        "-n",
        NODE,
        "-e",
        NODE,
        "--talosconfig",
        tc,
        "--file",
        file,
        "--mode",
        "no-reboot",
      ]);
      expect(out).toMatch(/error|invalid|failed/i);
    }
  });

  it("ran every path", () => {
    expect(runs.length).toBeGreaterThanOrEqual(BAD_PATCHES.length * 2 + 6 + 2 + 6 + 2 + 4);
  });
});
