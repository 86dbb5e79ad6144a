import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { afterEach, describe, expect, it } from "vitest";
import { runCairn } from "../helpers/cli.js";
import { readSecretsBundleFile } from "../../src/talos/secrets/files.js";
import { parseTalosconfig } from "../../src/talos/talosconfig.js";
import { kubeconfigExpiry } from "../../src/talos/kubeconfig.js";
import { parseDurationMs } from "../../src/cli/duration.js";

const cairn = runCairn;

const mode = (path: string) => statSync(path).mode & 0o777;
const savedEnv = { ...process.env };
afterEach(() => {
  process.env = { ...savedEnv };
});

describe("cairn secrets", () => {
  it("generates secrets.yaml with mode 0600, refuses to overwrite it, and prints nothing secret", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cairn-cli-"));
    const file = join(dir, "secrets.yaml");
    const first = await cairn("secrets", "gen", "-o", file);
    expect(first.code).toBe(0);
    expect(mode(file)).toBe(0o600);
    const { bundle } = await readSecretsBundleFile(file);
    expect(first.out).not.toContain(bundle.cluster.secret);
    expect(readFileSync(file, "utf8")).toMatch(/^cluster:\n {4}id: /);

    const again = await cairn("secrets", "gen", "-o", file);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already exists; not overwriting it/);
    expect(again.err).toMatch(/hint: pass --force/);
    expect(readFileSync(file, "utf8")).toContain(bundle.cluster.secret);

    expect((await cairn("secrets", "gen", "-o", file, "--force")).code).toBe(0);
    expect(readFileSync(file, "utf8")).not.toContain(bundle.cluster.secret);

    const stdout = await cairn("secrets", "gen", "-o", "-");
    expect(stdout.out).toMatch(/^cluster:\n/);
  });

  it("writes age-encrypted bundles the age CLI opens, and reads them back transparently", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cairn-cli-"));
    const identity = await generateIdentity();
    writeFileSync(join(dir, "key.txt"), `${identity}\n`);
    const recipient = await identityToRecipient(identity);
    const file = join(dir, "secrets.yaml.age");
    expect((await cairn("secrets", "gen", "-o", file, "--age-recipient", recipient)).code).toBe(0);
    expect(mode(file)).toBe(0o600);
    expect(readFileSync(file, "utf8")).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----/);
    const plain = execFileSync("age", ["-d", "-i", join(dir, "key.txt"), file], { encoding: "utf8" });
    expect(plain).toMatch(/^cluster:\n/);

    const missing = await cairn("talosconfig", "--secrets", file, "--cluster", "demo", "-o", join(dir, "tc"));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/age-encrypted and no age identity was given/);

    process.env.CAIRN_AGE_IDENTITY_FILE = join(dir, "key.txt");
    const { bundle, encrypted } = await readSecretsBundleFile(file);
    expect(encrypted).toBe(true);
    expect(plain).toContain(bundle.cluster.secret);
    delete process.env.CAIRN_AGE_IDENTITY_FILE;
    process.env.CAIRN_AGE_IDENTITY = identity;
    expect((await readSecretsBundleFile(file)).bundle.cluster.id).toBe(bundle.cluster.id);
    delete process.env.CAIRN_AGE_IDENTITY;

    const out = join(dir, "plain.yaml");
    const dec = await cairn("secrets", "decrypt", file, "-o", out, "--age-identity", join(dir, "key.txt"));
    expect(dec.code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(plain);
    expect(mode(out)).toBe(0o600);

    // A bundle encrypted by the age CLI is read too.
    execFileSync("age", ["-r", recipient, "-o", join(dir, "cli.age"), out]);
    expect(
      (await readSecretsBundleFile(join(dir, "cli.age"), { identityFile: join(dir, "key.txt") })).bundle
        .cluster.id,
    ).toBe(bundle.cluster.id);

    const enc = await cairn(
      "secrets",
      "encrypt",
      out,
      "-o",
      join(dir, "re.age"),
      "--age-recipient",
      recipient,
    );
    expect(enc.code).toBe(0);
    expect(
      execFileSync("age", ["-d", "-i", join(dir, "key.txt"), join(dir, "re.age")], { encoding: "utf8" }),
    ).toBe(plain);
  });
});

describe("cairn talosconfig / kubeconfig", () => {
  it("write 0600 files from a bundle, with roles, TTL and merge", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cairn-cli-"));
    const secrets = join(dir, "secrets.yaml");
    await cairn("secrets", "gen", "-o", secrets);

    const tcPath = join(dir, "talosconfig");
    const tc = await cairn(
      "talosconfig",
      "--secrets",
      secrets,
      "--cluster",
      "demo",
      "--endpoint",
      "10.0.0.10",
      "--node",
      "10.0.0.11",
      "--role",
      "os:reader",
      "--ttl",
      "24h",
      "-o",
      tcPath,
    );
    expect(tc.err).toBe("");
    expect(tc.code).toBe(0);
    expect(mode(tcPath)).toBe(0o600);
    const ctx = parseTalosconfig(readFileSync(tcPath, "utf8"));
    expect(ctx).toMatchObject({ name: "demo", endpoints: ["10.0.0.10"], nodes: ["10.0.0.11"] });
    expect(tc.out).toMatch(/roles os:reader, certificate expires/);

    const badRole = await cairn(
      "talosconfig",
      "--secrets",
      secrets,
      "--cluster",
      "demo",
      "--role",
      "root",
      "-o",
      "-",
    );
    expect(badRole.code).toBe(1);
    expect(badRole.err).toMatch(/unknown Talos role "root"/);

    const kcPath = join(dir, "kubeconfig");
    const kc = await cairn(
      "kubeconfig",
      "--secrets",
      secrets,
      "--cluster",
      "demo",
      "--endpoint",
      "https://10.0.0.10:6443",
      "-o",
      kcPath,
    );
    expect(kc.code).toBe(0);
    expect(mode(kcPath)).toBe(0o600);
    expect(kc.out).toMatch(/certificate expires 20\d\d-/);

    const existing = join(dir, "config");
    writeFileSync(
      existing,
      "apiVersion: v1\nkind: Config\nclusters:\n- name: keep\n  cluster:\n    server: https://k:6443\n",
      {
        mode: 0o600,
      },
    );
    process.env.KUBECONFIG = existing;
    const merged = await cairn(
      "kubeconfig",
      "--secrets",
      secrets,
      "--cluster",
      "demo",
      "--endpoint",
      "https://10.0.0.10:6443",
      "--merge",
      "--ttl",
      "2h",
    );
    expect(merged.code).toBe(0);
    const text = readFileSync(existing, "utf8");
    expect(text).toContain("name: keep");
    expect(text).toContain("current-context: admin@demo");
    const expiry = kubeconfigExpiry(text);
    expect(expiry!.getTime() - Date.now()).toBeLessThanOrEqual(2 * 3_600_000);
    expect(expiry!.getTime() - Date.now()).toBeGreaterThan(2 * 3_600_000 - 60_000);

    const badTtl = await cairn(
      "kubeconfig",
      "--secrets",
      secrets,
      "--cluster",
      "demo",
      "--endpoint",
      "https://x:6443",
      "--ttl",
      "soon",
    );
    expect(badTtl.err).toMatch(/--ttl "soon" is not a positive duration/);
  });

  it("parses Go-style durations plus days", () => {
    expect(parseDurationMs("24h")).toBe(86_400_000);
    expect(parseDurationMs("1h30m")).toBe(5_400_000);
    expect(parseDurationMs("365d")).toBe(365 * 86_400_000);
    expect(() => parseDurationMs("0s")).toThrow();
    expect(() => parseDurationMs("5")).toThrow();
  });
});
