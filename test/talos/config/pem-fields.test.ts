// Certificates and keys in rendered configs must be base64 PEM: every Talos golden (talosctl gen config output at
// each release) passes, a patch that puts a number, a boolean, a mapping or non-PEM base64 there is named by path
// without showing the value.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { pemFieldProblems } from "../../../src/talos/config/pem-fields.js";
import { CONTRACTS, type Contract } from "../../../src/talos/versions.js";
import { TALOS_GOLDEN } from "../../helpers/shared.js";

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const read = (minor: string, role: string): Doc[] =>
  parseAllDocuments(readFileSync(`${TALOS_GOLDEN}v${minor}/base-${role}.yaml`, "utf8")).map(
    (d) => d.toJS() as Doc,
  );

describe("pemFieldProblems", () => {
  it.each(CONTRACTS.flatMap((c) => [[c, "controlplane"] as const, [c, "worker"] as const]))(
    "Talos %s golden %s config: no problem",
    (contract, role) => {
      expect(pemFieldProblems(read(contract, role), contract as Contract)).toEqual([]);
    },
  );

  it("names each broken field by path and kind of value, never the value", () => {
    const docs = read("1.13", "controlplane");
    const v1 = docs[0]!;
    v1.machine.ca.key = 5;
    v1.cluster.ca.crt = true;
    v1.cluster.serviceAccount.key = { a: 1 };
    v1.cluster.aggregatorCA.key = "c2VjcmV0LXZhbHVlLW5vdC1wZW0="; // base64 of "secret-value-not-pem"
    v1.machine.acceptedCAs = [{ crt: "not base64!" }];
    const problems = pemFieldProblems(docs, "1.13");
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ["/machine/ca/key", "must be base64-encoded PEM, not a number"],
      ["/machine/acceptedCAs/0/crt", "must be base64-encoded PEM; this 11-character string is not base64"],
      ["/cluster/ca/crt", "must be base64-encoded PEM, not a boolean"],
      [
        "/cluster/aggregatorCA/key",
        "must be base64-encoded PEM; this base64 text does not decode to a PEM block",
      ],
      ["/cluster/serviceAccount/key", "must be base64-encoded PEM, not a collection"],
    ]);
    expect(JSON.stringify(problems)).not.toContain("c2VjcmV0");
  });
});
