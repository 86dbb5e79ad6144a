import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { encodeConfigDocument, encodeConfigDocuments } from "../../src/talos/config/encode.js";
import type { Contract } from "../../src/talos/versions.js";
import { TALOS_GOLDEN } from "../helpers/shared.js";

const CONTRACTS: Contract[] = ["1.9", "1.10", "1.11", "1.12", "1.13"];

describe("encodeConfigDocuments", () => {
  for (const contract of CONTRACTS) {
    for (const file of readdirSync(`${TALOS_GOLDEN}v${contract}`)) {
      it(`re-encodes golden v${contract}/${file} byte for byte`, () => {
        const text = readFileSync(`${TALOS_GOLDEN}v${contract}/${file}`, "utf8");
        const docs = parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown>);
        expect(encodeConfigDocuments(docs, contract)).toBe(text);
      });
    }
  }

  it("puts fields in Go order whatever the input order, and the v1alpha1 document first", () => {
    const docs = [
      { auto: "stable", kind: "HostnameConfig", apiVersion: "v1alpha1" },
      { machine: { install: { wipe: false, disk: "/dev/sda" }, type: "worker" }, version: "v1alpha1" },
    ];
    expect(encodeConfigDocuments(docs, "1.13")).toBe(
      'version: v1alpha1\nmachine:\n    type: worker\n    token: ""\n    certSANs: []\n    install:\n        disk: /dev/sda\n        wipe: false\ncluster: null\n---\napiVersion: v1alpha1\nkind: HostnameConfig\nauto: stable\n',
    );
  });

  it("drops omitempty zero values but keeps set pointers, and sorts Go maps", () => {
    const doc = {
      version: "v1alpha1",
      debug: false,
      machine: {
        type: "worker",
        token: "t",
        certSANs: [],
        sysctls: { b: "1", a: "2" },
        kubelet: { extraArgs: {} },
      },
      cluster: {},
    };
    expect(encodeConfigDocument(doc, "1.12")).toBe(
      'version: v1alpha1\ndebug: false\nmachine:\n    type: worker\n    token: t\n    certSANs: []\n    kubelet: {}\n    sysctls:\n        a: "2"\n        b: "1"\ncluster:\n    controlPlane: null\n',
    );
  });

  it("keeps undeclared fields after the declared ones", () => {
    expect(
      encodeConfigDocument({ apiVersion: "v1alpha1", kind: "HostnameConfig", zzz: 1, auto: "off" }, "1.12"),
    ).toBe('apiVersion: v1alpha1\nkind: HostnameConfig\nauto: "off"\nzzz: 1\n');
  });
});
