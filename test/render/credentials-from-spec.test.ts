// talosconfig and kubeconfig made from cairn.yaml: context, endpoints and server come from the model.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runRender } from "../../src/ops/render/run.js";
import { runCairn } from "../helpers/cli.js";
import { parseTalosconfig } from "../../src/talos/talosconfig.js";
import { parseCertificate } from "../../src/talos/pki/index.js";
import { REPO_ROOT } from "../helpers/shared.js";

const spec = join(REPO_ROOT, "examples", "proxmox-5node-vip-pools.yaml");

const run = (args: string[]) => runCairn(...args);

describe("credentials from the spec", () => {
  it("issues a reader talosconfig for the spec's control planes with a 24h certificate", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cairn-cred-"));
    await runRender({ file: spec, out: dir });
    const target = join(dir, "reader.talosconfig");
    const r = await run([
      "talosconfig",
      "-f",
      spec,
      "--secrets",
      join(dir, "secrets.yaml"),
      "--role",
      "os:reader",
      "--ttl",
      "24h",
      "-o",
      target,
    ]);
    expect(r.code, r.err).toBe(0);
    const ctx = parseTalosconfig(readFileSync(target, "utf8"));
    expect(ctx.name).toBe("test-cluster");
    expect(ctx.endpoints).toEqual(["10.0.1.1", "10.0.1.2", "10.0.1.3"]);
    const cert = parseCertificate(ctx.certPem);
    expect(cert.subject.organization).toEqual(["os:reader"]);
    expect(cert.notAfter.getTime() - cert.notBefore.getTime()).toBe(24 * 3600 * 1000);
  });

  it("points the admin kubeconfig at the spec's endpoint (the VIP)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cairn-cred-"));
    await runRender({ file: spec, out: dir });
    const target = join(dir, "admin.kubeconfig");
    const r = await run(["kubeconfig", "-f", spec, "--secrets", join(dir, "secrets.yaml"), "-o", target]);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(target, "utf8")).toContain("server: https://10.0.3.1:6443");
    expect(r.out).toMatch(/certificate expires \d{4}-/);
  });
});
