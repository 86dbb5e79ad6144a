import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPrivateKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  base64ToPem,
  createSelfSignedCA,
  createSelfSignedCertificate,
  DAY_MS,
  decodePem,
  encodePem,
  issueCertificate,
  loadCertificateAuthority,
  loadCertificateAuthorityFromEntry,
  nodeCompatibleKeyPem,
  parseCertificate,
  pemToBase64,
  privateKeyFromPem,
  privateKeyToPem,
  spkiFingerprint,
} from "../../src/talos/pki/index.js";
import { TALOS_GOLDEN } from "../helpers/shared.js";
import { readFileSync } from "node:fs";

const now = new Date("2026-01-02T03:04:05.678Z");

function goldenEntry(name: string): { crt: string; key: string } {
  const text = readFileSync(`${TALOS_GOLDEN}secrets.yaml`, "utf8");
  const block = text.slice(text.indexOf(`    ${name}:\n`));
  const crt = /crt: (\S+)/.exec(block)?.[1] ?? "";
  const key = /key: (\S+)/.exec(block)?.[1] ?? "";
  return { crt, key };
}

function openssl(args: string[]): string {
  return execFileSync("openssl", args, { encoding: "utf8" });
}

describe("PEM", () => {
  it("writes 64-column lines with a trailing newline and round-trips", () => {
    const der = Buffer.alloc(100, 7);
    const pem = encodePem("TEST", der);
    expect(pem.split("\n")[1]).toHaveLength(64);
    expect(pem.endsWith("-----END TEST-----\n")).toBe(true);
    expect(decodePem(pem).der.equals(der)).toBe(true);
    expect(base64ToPem(pemToBase64(pem))).toBe(pem);
  });

  it("rejects non-PEM text with a user error", () => {
    expect(() => decodePem("hello", undefined, "ca")).toThrow(/ca is not PEM-encoded/);
    expect(() => base64ToPem("!!", "crt")).toThrow(/not base64/);
  });
});

describe("keys", () => {
  it("writes Ed25519 keys with Talos' label and loads them back (relabelled for node:crypto)", async () => {
    const ca = await createSelfSignedCA({ algorithm: "ed25519", subject: { organization: ["talos"] }, now });
    expect(ca.keyPem).toMatch(/^-----BEGIN ED25519 PRIVATE KEY-----\n/);
    expect(() => createPrivateKey(ca.keyPem)).toThrow();
    expect(createPrivateKey(nodeCompatibleKeyPem(ca.keyPem)).asymmetricKeyType).toBe("ed25519");
    expect(privateKeyToPem(privateKeyFromPem(ca.keyPem))).toBe(ca.keyPem);
  });

  it("loads the golden bundle's keys (ED25519, EC) as CAs", () => {
    const os = loadCertificateAuthorityFromEntry(goldenEntry("os"), "os");
    expect(os.cert.algorithm).toBe("ed25519");
    expect(os.cert.subject.organization).toEqual(["talos"]);
    expect(privateKeyToPem(os.privateKey)).toBe(os.keyPem);
    const k8s = loadCertificateAuthorityFromEntry(goldenEntry("k8s"), "k8s");
    expect(k8s.cert.algorithm).toBe("ecdsa-p256");
    expect(privateKeyToPem(k8s.privateKey)).toBe(k8s.keyPem);
  });

  it("refuses a key that does not belong to the certificate", () => {
    const os = goldenEntry("os");
    const k8s = goldenEntry("k8s");
    expect(() => loadCertificateAuthorityFromEntry({ crt: os.crt, key: k8s.key }, "os")).toThrow(
      /does not match/,
    );
  });
});

describe("certificate authorities", () => {
  it.each([
    ["ed25519", "ED25519"],
    ["ecdsa-p256", "ecdsa-with-SHA256"],
    ["rsa-2048", "sha256WithRSAEncryption"],
  ] as const)("creates a %s CA with Talos' template", async (algorithm, sigalg) => {
    const ca = await createSelfSignedCA({ algorithm, subject: { organization: ["talos"] }, now });
    const dir = mkdtempSync(join(tmpdir(), "cairn-pki-"));
    writeFileSync(join(dir, "ca.crt"), ca.certPem);
    const out = openssl(["x509", "-noout", "-text", "-in", join(dir, "ca.crt")]);
    expect(out).toContain(`Signature Algorithm: ${sigalg}`);
    expect(out).toMatch(/Key Usage: critical\n\s+Digital Signature, Certificate Sign/);
    expect(out).toMatch(
      /Extended Key Usage: \n\s+TLS Web Server Authentication, TLS Web Client Authentication/,
    );
    expect(out).toMatch(/Basic Constraints: critical\n\s+CA:TRUE\n/);
    expect(out).not.toContain("Authority Key Identifier");
    expect(ca.cert.subjectKeyId).toMatch(/^[0-9a-f]{40}$/);
    expect(ca.cert.notBefore.toISOString()).toBe("2026-01-02T03:04:05.000Z");
    expect(ca.cert.notAfter.getTime() - ca.cert.notBefore.getTime()).toBe(87_600 * 3_600_000);
    expect(loadCertificateAuthority(ca.certPem, ca.keyPem).cert.serialNumber).toBe(ca.cert.serialNumber);
  });

  it("uses injected randomness for the serial and SubjectKeyId, and derives the SKI for the sha1 mode", async () => {
    const ones = (n: number) => new Uint8Array(n).fill(0x11);
    const ca = await createSelfSignedCA({ algorithm: "ed25519", subject: {}, now, random: ones });
    expect(ca.cert.serialNumber).toBe("11".repeat(16));
    expect(ca.cert.subjectKeyId).toBe("11".repeat(20));
    expect(ca.cert.subject).toEqual({ organization: [] });
    const derived = await createSelfSignedCA({
      algorithm: "ecdsa-p256",
      subject: {},
      now,
      subjectKeyId: "sha1",
    });
    const dir = mkdtempSync(join(tmpdir(), "cairn-pki-"));
    writeFileSync(join(dir, "ca.crt"), derived.certPem);
    // OpenSSL's default SKI is the same RFC 5280 method-1 hash Go uses.
    const pub = openssl(["x509", "-in", join(dir, "ca.crt"), "-noout", "-pubkey"]);
    writeFileSync(join(dir, "pub.pem"), pub);
    const der = execFileSync("openssl", ["pkey", "-pubin", "-in", join(dir, "pub.pem"), "-outform", "DER"]);
    const bits = der.subarray(der.length - 65);
    const { createHash } = await import("node:crypto");
    expect(derived.cert.subjectKeyId).toBe(createHash("sha1").update(bits).digest("hex"));
  });
});

describe("leaf certificates", () => {
  it("issues an apid-style server certificate with SANs, AKI and the CA's key type", async () => {
    const ca = loadCertificateAuthorityFromEntry(goldenEntry("os"), "os");
    const leaf = await issueCertificate(ca, {
      now,
      ttlMs: DAY_MS,
      subject: { commonName: "cp1.example.org" },
      keyUsage: ["digitalSignature"],
      extKeyUsage: ["serverAuth"],
      dnsNames: ["cp1", "cp1.example.org"],
      ipAddresses: ["10.5.0.2", "fd00::2"],
    });
    expect(leaf.keyPem).toMatch(/ED25519 PRIVATE KEY/);
    expect(leaf.cert).toMatchObject({
      isCA: false,
      keyUsage: ["digitalSignature"],
      extKeyUsage: ["serverAuth"],
      dnsNames: ["cp1", "cp1.example.org"],
      ipAddresses: ["10.5.0.2", "fd00::2"],
      authorityKeyId: ca.cert.subjectKeyId,
      subject: { organization: [], commonName: "cp1.example.org" },
      issuer: { organization: ["talos"] },
    });
    expect(leaf.cert.subjectKeyId).toBeUndefined();
    expect(leaf.cert.notAfter.getTime() - leaf.cert.notBefore.getTime()).toBe(DAY_MS);
    const dir = mkdtempSync(join(tmpdir(), "cairn-pki-"));
    writeFileSync(join(dir, "ca.crt"), ca.certPem);
    writeFileSync(join(dir, "leaf.crt"), leaf.certPem);
    expect(
      openssl([
        "verify",
        "-attime",
        String(Math.floor(now.getTime() / 1000) + 60),
        "-CAfile",
        join(dir, "ca.crt"),
        join(dir, "leaf.crt"),
      ]),
    ).toContain("OK");
  });

  it("puts several O values in one RDN in DER order, as Go does", async () => {
    const ca = await createSelfSignedCA({ algorithm: "ed25519", subject: { organization: ["talos"] }, now });
    const leaf = await issueCertificate(ca, {
      now,
      ttlMs: DAY_MS,
      subject: { organization: ["os:reader", "os:admin", "os:etcd:backup"] },
      keyUsage: ["digitalSignature"],
      extKeyUsage: ["clientAuth"],
    });
    expect(leaf.cert.subject.organization).toEqual(["os:admin", "os:reader", "os:etcd:backup"]);
  });

  it("makes self-signed server certificates (maintenance mode) and their SPKI fingerprint", async () => {
    const self = await createSelfSignedCertificate({
      keyAlgorithm: "ed25519",
      now,
      ttlMs: DAY_MS,
      subject: { commonName: "maintenance-service.talos.dev" },
      keyUsage: ["digitalSignature"],
      extKeyUsage: ["serverAuth"],
      ipAddresses: ["127.0.0.1", "::1"],
    });
    expect(self.cert.issuer.commonName).toBe("maintenance-service.talos.dev");
    expect(spkiFingerprint(self.cert)).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it("parses the golden CA the way openssl does", () => {
    const pem = base64ToPem(goldenEntry("k8saggregator").crt);
    const cert = parseCertificate(pem);
    expect(cert.subject).toEqual({ organization: [] });
    expect(cert.extKeyUsage).toEqual(["serverAuth", "clientAuth"]);
    expect(cert.keyUsage).toEqual(["digitalSignature", "certSign"]);
    expect(cert.isCA).toBe(true);
    expect(cert.pem).toBe(pem);
  });
});
