import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { base64ToPem, createSelfSignedCA, DAY_MS, parseCertificate } from "../../src/talos/pki/index.js";
import { buildAdminKubeconfig, kubeconfigExpiry, mergeKubeconfig } from "../../src/talos/kubeconfig.js";

const now = new Date();

async function k8sCa() {
  return createSelfSignedCA({ algorithm: "ecdsa-p256", subject: { organization: ["kubernetes"] }, now });
}

describe("admin kubeconfig", () => {
  it("has Talos' layout and an admin client certificate signed by the Kubernetes CA", async () => {
    const ca = await k8sCa();
    const { text, cert, contextName } = await buildAdminKubeconfig(ca, {
      clusterName: "demo",
      endpoint: "https://10.0.0.10:6443",
      now,
    });
    expect(contextName).toBe("admin@demo");
    const keys = text.split("\n").map((l) => l.replace(/:.*$/, ":"));
    expect(keys).toEqual([
      "apiVersion:",
      "kind:",
      "clusters:",
      "- name:",
      "  cluster:",
      "    server:",
      "    certificate-authority-data:",
      "users:",
      "- name:",
      "  user:",
      "    client-certificate-data:",
      "    client-key-data:",
      "contexts:",
      "- context:",
      "    cluster:",
      "    namespace:",
      "    user:",
      "  name:",
      "current-context:",
      "",
    ]);
    const doc = parse(text);
    expect(doc.clusters[0]).toMatchObject({ name: "demo", cluster: { server: "https://10.0.0.10:6443" } });
    expect(base64ToPem(doc.clusters[0].cluster["certificate-authority-data"])).toBe(ca.certPem);
    expect(doc.contexts[0]).toEqual({
      name: "admin@demo",
      context: { cluster: "demo", namespace: "default", user: "admin@demo" },
    });
    expect(doc["current-context"]).toBe("admin@demo");
    expect(base64ToPem(doc.users[0].user["client-key-data"])).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);

    expect(cert.subject).toEqual({ organization: ["system:masters"], commonName: "admin" });
    expect(cert.algorithm).toBe("ecdsa-p256");
    expect(cert.keyUsage).toEqual(["digitalSignature", "keyEncipherment"]);
    expect(cert.extKeyUsage).toEqual(["clientAuth"]);
    expect(cert.authorityKeyId).toBe(ca.cert.subjectKeyId);
    expect(now.getTime() - cert.notBefore.getTime()).toBeGreaterThanOrEqual(10_000);
    expect(now.getTime() - cert.notBefore.getTime()).toBeLessThan(11_000);
    expect(kubeconfigExpiry(text)?.getTime()).toBe(Math.floor((now.getTime() + 365 * DAY_MS) / 1000) * 1000);

    const dir = mkdtempSync(join(tmpdir(), "cairn-kc-"));
    writeFileSync(join(dir, "ca.crt"), ca.certPem);
    writeFileSync(join(dir, "admin.crt"), base64ToPem(doc.users[0].user["client-certificate-data"]));
    expect(
      execFileSync("openssl", ["verify", "-CAfile", join(dir, "ca.crt"), join(dir, "admin.crt")], {
        encoding: "utf8",
      }),
    ).toContain("OK");
    expect(
      execFileSync("openssl", ["x509", "-in", join(dir, "admin.crt"), "-noout", "-subject"], {
        encoding: "utf8",
      }).trim(),
    ).toBe("subject=O = system:masters, CN = admin");
  });

  it("honours a TTL and refuses bad endpoints and names", async () => {
    const ca = await k8sCa();
    const { cert } = await buildAdminKubeconfig(ca, {
      clusterName: "c",
      endpoint: "https://cp:6443",
      now,
      ttlMs: DAY_MS,
    });
    expect(cert.notAfter.getTime() - cert.notBefore.getTime()).toBe(DAY_MS + 10_000);
    await expect(
      buildAdminKubeconfig(ca, { clusterName: "c", endpoint: "http://cp:6443", now }),
    ).rejects.toThrow(/https:\/\/ with a port/);
    await expect(
      buildAdminKubeconfig(ca, { clusterName: "c", endpoint: "https://cp", now }),
    ).rejects.toMatchObject({
      hint: "try https://cp:6443",
    });
    await expect(
      buildAdminKubeconfig(ca, { clusterName: "a b", endpoint: "https://cp:6443", now }),
    ).rejects.toThrow(/not a valid cluster name/);
  });
});

describe("mergeKubeconfig", () => {
  const existing = `apiVersion: v1
kind: Config
preferences: {}
clusters:
- name: other
  cluster:
    server: https://other:6443
- name: demo
  cluster:
    server: https://old:6443
users:
- name: other-user
  user:
    token: abc
- name: admin@demo
  user:
    token: stale
contexts:
- name: other
  context:
    cluster: other
    user: other-user
current-context: other
`;

  it("replaces entries of the same name, keeps all others and switches the current context", async () => {
    const { text } = await buildAdminKubeconfig(await k8sCa(), {
      clusterName: "demo",
      endpoint: "https://new:6443",
      now,
    });
    const merged = parse(mergeKubeconfig(existing, text));
    expect(merged.clusters.map((c: { name: string }) => c.name)).toEqual(["other", "demo"]);
    expect(merged.clusters[1].cluster.server).toBe("https://new:6443");
    expect(merged.users.map((u: { name: string }) => u.name)).toEqual(["other-user", "admin@demo"]);
    expect(merged.users[0].user.token).toBe("abc");
    expect(merged.users[1].user.token).toBeUndefined();
    expect(merged.contexts.map((c: { name: string }) => c.name)).toEqual(["other", "admin@demo"]);
    expect(merged["current-context"]).toBe("admin@demo");
    expect(merged.preferences).toEqual({});
    expect(kubeconfigExpiry(mergeKubeconfig(existing, text))).toBeInstanceOf(Date);
    expect(kubeconfigExpiry(existing)).toBeUndefined();
  });

  it("returns the new file for an empty one and refuses to merge into garbage", async () => {
    const { text } = await buildAdminKubeconfig(await k8sCa(), {
      clusterName: "demo",
      endpoint: "https://new:6443",
      now,
    });
    expect(mergeKubeconfig("", text)).toBe(text);
    expect(() => mergeKubeconfig("clusters: 3\n", text)).toThrow(/clusters must be a list/);
    expect(() => mergeKubeconfig("- a\n", text)).toThrow(/not a kubeconfig/);
    expect(parseCertificate(base64ToPem(parse(text).users[0].user["client-certificate-data"])).isCA).toBe(
      false,
    );
  });
});
