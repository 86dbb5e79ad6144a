import { describe, expect, it } from "vitest";
import { generateSecretsBundle } from "../../src/talos/secrets/generate.js";
import { validateSecretsBundle } from "../../src/talos/secrets/validate.js";
import {
  generateToken,
  randomClusterId,
  randomTokenString,
  TOKEN_PATTERN,
} from "../../src/talos/secrets/tokens.js";
import { base64ToPem, decodePem, parseCertificate } from "../../src/talos/pki/index.js";
import type { SecretsBundle } from "../../src/talos/secrets/bundle.js";

const now = new Date("2026-03-04T05:06:07Z");

describe("tokens", () => {
  it("rejects bytes >= 252 and maps the rest modulo 36", () => {
    // 252..255 are skipped; 0 → '0', 35 → 'z', 36 → '0', 251 → 251 % 36 = 35 → 'z'.
    const bytes = [252, 253, 0, 255, 35, 36, 251, 10];
    let i = 0;
    const random = (n: number) => Uint8Array.from({ length: n }, () => bytes[i++ % bytes.length] ?? 0);
    expect(randomTokenString(5, random)).toBe("0z0za");
  });

  it("generates bootstrap-token shaped strings and base64url cluster ids", () => {
    for (let n = 0; n < 50; n++)
      expect(generateToken((k) => crypto.getRandomValues(new Uint8Array(k)))).toMatch(TOKEN_PATTERN);
    const id = randomClusterId(() => new Uint8Array(32).fill(0xfb));
    expect(id).toBe("-_v7".repeat(10) + "-_s=");
  });
});

describe("generateSecretsBundle", () => {
  let bundle: SecretsBundle;
  it("generates a bundle that validates", async () => {
    bundle = await generateSecretsBundle({ now });
    const cas = validateSecretsBundle(bundle);
    expect(cas.os.cert.subject.organization).toEqual(["talos"]);
    expect(bundle.cluster.id).toMatch(/^[A-Za-z0-9_-]{43}=$/);
    expect(bundle.cluster.secret).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(bundle.secrets.secretboxencryptionsecret).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(bundle.secrets.aescbcencryptionsecret).toBeUndefined();
    expect(bundle.secrets.bootstraptoken).toMatch(TOKEN_PATTERN);
    expect(bundle.trustdinfo.token).toMatch(TOKEN_PATTERN);
    expect(Object.keys(bundle)).toEqual(["cluster", "secrets", "trustdinfo", "certs"]);
    expect(Object.keys(bundle.certs)).toEqual(["etcd", "k8s", "k8saggregator", "k8sserviceaccount", "os"]);
  });

  it("uses talosctl's algorithms, subjects, key encodings and validity", () => {
    const expected = {
      etcd: { algorithm: "ecdsa-p256", organization: ["etcd"], label: "EC PRIVATE KEY" },
      k8s: { algorithm: "ecdsa-p256", organization: ["kubernetes"], label: "EC PRIVATE KEY" },
      k8saggregator: { algorithm: "ecdsa-p256", organization: [], label: "EC PRIVATE KEY" },
      os: { algorithm: "ed25519", organization: ["talos"], label: "ED25519 PRIVATE KEY" },
    } as const;
    for (const [name, want] of Object.entries(expected)) {
      const entry = bundle.certs[name as keyof typeof expected];
      const cert = parseCertificate(base64ToPem(entry.crt));
      expect(cert.algorithm).toBe(want.algorithm);
      expect(cert.subject).toEqual({ organization: want.organization });
      expect(cert.issuer).toEqual(cert.subject);
      expect(cert.isCA).toBe(true);
      expect(cert.keyUsage).toEqual(["digitalSignature", "certSign"]);
      expect(cert.extKeyUsage).toEqual(["serverAuth", "clientAuth"]);
      expect(cert.notBefore).toEqual(now);
      expect(cert.notAfter.getTime() - now.getTime()).toBe(87_600 * 3_600_000);
      expect(cert.subjectKeyId).toMatch(/^[0-9a-f]{40}$/);
      expect(cert.authorityKeyId).toBeUndefined();
      expect(decodePem(base64ToPem(entry.key)).label).toBe(want.label);
    }
    const sa = decodePem(base64ToPem(bundle.certs.k8sserviceaccount.key));
    expect(sa.label).toBe("RSA PRIVATE KEY");
    expect(sa.der.length).toBeGreaterThan(2300); // PKCS#1 RSA-4096
  });

  it("reports every problem of a broken bundle", () => {
    const broken = structuredClone(bundle);
    broken.cluster.id = "";
    broken.secrets.aescbcencryptionsecret = "x";
    broken.certs.os.key = broken.certs.k8s.key;
    expect(() => validateSecretsBundle(broken, "secrets.yaml")).toThrow(
      /cluster\.id is missing[\s\S]*exactly one of[\s\S]*certs\.os key does not match/,
    );
  });
});

describe("golden bundle", () => {
  it("validates talosctl's own secrets.yaml", async () => {
    const { readFileSync } = await import("node:fs");
    const { TALOS_GOLDEN } = await import("../helpers/shared.js");
    const { parseSecretsBundle } = await import("../../src/talos/secrets/format.js");
    const cas = validateSecretsBundle(
      parseSecretsBundle(readFileSync(`${TALOS_GOLDEN}secrets.yaml`, "utf8")),
    );
    expect(cas.os.cert.subject.organization).toEqual(["talos"]);
    expect(cas.k8saggregator.cert.subject).toEqual({ organization: [] });
  });

  it("round-trips a generated bundle through the secrets.yaml encoding", async () => {
    const { encodeSecretsBundle, parseSecretsBundle } = await import("../../src/talos/secrets/format.js");
    const generated = await generateSecretsBundle({ now, contract: "1.9" });
    const text = encodeSecretsBundle(generated);
    expect(parseSecretsBundle(text)).toEqual(generated);
    expect(text).toMatch(/^cluster:\n {4}id: \S+\n {4}secret: \S+\nsecrets:\n {4}bootstraptoken: /);
    // Contract 1.9 derives SubjectKeyIds from the key, as talosctl 1.9 did.
    const os = validateSecretsBundle(generated).os;
    expect(os.cert.subjectKeyId).toMatch(/^[0-9a-f]{40}$/);
  });
});
