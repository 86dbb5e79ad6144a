import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { encodeSecretsBundle, parseSecretsBundle } from "../../../src/talos/secrets/format.js";
import { TALOS_GOLDEN } from "../../helpers/shared.js";

const golden = readFileSync(`${TALOS_GOLDEN}secrets.yaml`, "utf8");

describe("secrets.yaml format", () => {
  it("round-trips the golden bundle byte for byte (minus its hand-added comment)", () => {
    const withoutComment = golden.replace(/^#.*\n/, "");
    expect(encodeSecretsBundle(parseSecretsBundle(golden, "secrets.yaml"))).toBe(withoutComment);
  });

  it("parses fields into the bundle shape", () => {
    const b = parseSecretsBundle(golden);
    expect(b.cluster.id).toBe("0raF93qnkMvF-FZNuvyGozXNdLiT2FOWSlyBaW4PR-w=");
    expect(b.trustdinfo.token).toBe("d8cwfa.eyvpi0xwxyarbfid");
    expect(b.secrets.aescbcencryptionsecret).toBeUndefined();
    expect(b.certs.k8sserviceaccount.key).toMatch(/^LS0t/);
  });

  it("writes aescbc only when set and leaves missing values empty for validation", () => {
    const b = parseSecretsBundle("cluster:\n    id: x\nsecrets:\n    aescbcencryptionsecret: abc\n");
    expect(b.cluster.secret).toBe("");
    expect(encodeSecretsBundle(b)).toContain(
      'secrets:\n    bootstraptoken: ""\n    aescbcencryptionsecret: abc\n',
    );
  });

  it("names the file and field on type errors", () => {
    expect(() => parseSecretsBundle("cluster:\n    id: 5\n", "my.yaml")).toThrow(
      new UserError("my.yaml: cluster.id must be a string, not a number"),
    );
    expect(() => parseSecretsBundle("certs:\n    os: [a]\n", "my.yaml")).toThrow(
      /my.yaml: certs.os must be a mapping/,
    );
    expect(() => parseSecretsBundle("- a\n", "my.yaml")).toThrow(UserError);
    expect(() => parseSecretsBundle("a: [\n", "my.yaml")).toThrow(/my.yaml:2:1: not valid YAML/);
  });
});
