import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { describe, expect, it } from "vitest";
import { ageDecrypt, ageEncrypt, isAgeEncrypted, parseAgeIdentities } from "../../src/talos/secrets/age.js";

const plaintext = "cluster:\n    id: abc\n";

describe("age", () => {
  it("encrypts armored files that the age CLI decrypts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cairn-age-"));
    const identity = await generateIdentity();
    writeFileSync(join(dir, "key.txt"), `# created: test\n# public key: x\n${identity}\n`);
    const other = await identityToRecipient(await generateIdentity());
    const armored = await ageEncrypt(plaintext, [await identityToRecipient(identity), other]);
    expect(armored.startsWith("-----BEGIN AGE ENCRYPTED FILE-----\n")).toBe(true);
    expect(isAgeEncrypted(armored)).toBe(true);
    writeFileSync(join(dir, "s.age"), armored);
    const out = execFileSync("age", ["-d", "-i", join(dir, "key.txt"), join(dir, "s.age")], {
      encoding: "utf8",
    });
    expect(out).toBe(plaintext);
  });

  it("decrypts binary and armored files the age CLI made", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cairn-age-"));
    execFileSync("age-keygen", ["-o", join(dir, "key.txt")], { stdio: "ignore" });
    const identities = parseAgeIdentities(readFileSync(join(dir, "key.txt"), "utf8"));
    const recipient = await identityToRecipient(identities[0] ?? "");
    writeFileSync(join(dir, "plain"), plaintext);
    execFileSync("age", ["-r", recipient, "-o", join(dir, "bin.age"), join(dir, "plain")]);
    execFileSync("age", ["-a", "-r", recipient, "-o", join(dir, "arm.age"), join(dir, "plain")]);
    const binary = readFileSync(join(dir, "bin.age"));
    expect(isAgeEncrypted(binary)).toBe(true);
    expect(Buffer.from(await ageDecrypt(binary, identities)).toString("utf8")).toBe(plaintext);
    const armored = readFileSync(join(dir, "arm.age"));
    expect(Buffer.from(await ageDecrypt(armored, identities)).toString("utf8")).toBe(plaintext);
    expect(Buffer.from(await ageDecrypt(armored.toString("utf8"), identities)).toString("utf8")).toBe(
      plaintext,
    );
  });

  it("explains a wrong identity, a bad recipient and a bad identity file", async () => {
    const armored = await ageEncrypt(plaintext, [await identityToRecipient(await generateIdentity())]);
    await expect(ageDecrypt(armored, [await generateIdentity()], "secrets.yaml.age")).rejects.toThrow(
      /secrets\.yaml\.age is not encrypted to any of the given age identities/,
    );
    await expect(ageEncrypt(plaintext, ["age1notakey"])).rejects.toThrow(/is not an age recipient/);
    expect(() => parseAgeIdentities("# nothing\n")).toThrow(/no AGE-SECRET-KEY/);
    expect(() => parseAgeIdentities("ssh-ed25519 AAAA\n")).toThrow(/not an age secret key/);
    expect(isAgeEncrypted(plaintext)).toBe(false);
  });
});
