// Hetzner user_data: base64(gzip(config)) round-trips through what Talos does with it (base64-decode, gunzip, as in
// platform/hcloud and controllers/config/acquire.go) and through the gunzip in Debian's gzip; the 32,768-byte
// limit is checked on the encoded size, with both sizes in the message.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import {
  USER_DATA_LIMIT,
  checkUserDataSize,
  decodeUserData,
  encodeUserData,
} from "../../../src/providers/hetzner/userdata.js";
import { labelProblem, labelSelector, ownedLabels } from "../../../src/providers/hetzner/labels.js";

const config = "version: v1alpha1\nmachine:\n  type: worker\n  token: abc.def\n".repeat(400);

describe("user_data", () => {
  test("encodes to one base64 line that gunzips back to the config", () => {
    const e = encodeUserData(config);
    expect(e.value).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(e.bytes).toBe(e.value.length);
    expect(e.bytes).toBeLessThan(e.configBytes);
    expect(decodeUserData(e.value)).toBe(config);
    const viaGzip = execFileSync("gzip", ["-dc"], { input: Buffer.from(e.value, "base64") }).toString("utf8");
    expect(viaGzip).toBe(config);
    expect(encodeUserData(config).value).toBe(e.value); // deterministic
  });

  test("plain text user-data (what older tools sent) is left alone by the decoder", () => {
    expect(decodeUserData("version: v1alpha1\n")).toBe("version: v1alpha1\n");
  });

  test("over the limit: a finding with both sizes, at the given path", () => {
    // Incompressible but deterministic: a SHA-256 chain.
    let block = createHash("sha256").update("seed").digest();
    const parts: Buffer[] = [];
    for (let i = 0; i < 1500; i++) parts.push((block = createHash("sha256").update(block).digest()));
    const random = Buffer.concat(parts).toString("hex");
    const findings = checkUserDataSize("worker-7", random, ["nodes", 7]);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.code).toBe("hetzner.user-data-size");
    expect(findings[0]!.path).toEqual(["nodes", 7]);
    expect(findings[0]!.message).toMatch(
      /worker-7 is [\d,]+ bytes as gzip\+base64 user_data \([\d,]+ bytes plain\), over Hetzner's 32,768-byte limit/,
    );
    expect(checkUserDataSize("cp-1", config, ["nodes", 0])).toEqual([]);
    expect(USER_DATA_LIMIT).toBe(32768);
  });
});

describe("labels", () => {
  test("owned labels and selectors", () => {
    expect(ownedLabels("demo", { "cairn.dev/role": "worker" })).toEqual({
      "cairn.dev/cluster": "demo",
      "cairn.dev/role": "worker",
    });
    expect(labelSelector({ b: "2", a: "1" })).toBe("a=1,b=2");
  });

  test("what Hetzner refuses", () => {
    expect(labelProblem("cairn.dev/cluster", "demo")).toBeUndefined();
    expect(labelProblem("cairn.dev/schematic", "a".repeat(64))).toMatch(/at most 63/);
    expect(labelProblem("hetzner.cloud/x", "y")).toMatch(/reserved/);
    expect(labelProblem("-bad", "y")).toMatch(/label key/);
    expect(labelProblem("ok", "")).toBeUndefined();
  });
});
