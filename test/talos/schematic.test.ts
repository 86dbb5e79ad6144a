import { describe, expect, it } from "vitest";
import {
  canonicalSchematic,
  parseSchematic,
  schematicIdOfCanonical,
  schematicIdOfText,
} from "../../src/talos/schematic/schematic.js";
import { factoryUrls, installerImage } from "../../src/talos/schematic/urls.js";

// research/talos.md §6 vectors: canonical text → ID.
const vectors: [string, string][] = [
  ["customization: {}\n", "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba"],
  ["customization:\n    extraKernelArgs:\n        - noapic\n        - nolapic\n", "9cba8e32753f91a16c1837ab8abf356af021706ef284aef07380780177d9a06c"],
  ["customization:\n    meta:\n        - key: 10\n          value: foo\n", "d308a2a5ee2277bed5fbaa104fcbc8d59122abfa737df987a95b4ca763459a7f"],
  ["overlay:\n    image: siderolabs/sbc-raspberrypi\n    name: rpi_generic\ncustomization: {}\n", "ee21ef4a5ef808a9b7484cc0dda0f25075021691c8c09a276591eedb638ea1f9"],
  ["customization:\n    secureboot:\n        includeWellKnownCertificates: true\n", "fa8e05f142a851d3ee568eb0a8e5841eaf6b0ebc8df9a63df16ac5ed2c04f3e6"],
  ["customization:\n    diskImage:\n        sectorSize: 4096\n", "92833e9ddd9bb9e11b2464fa5525429f01866306d52ebd882ee08d7918f6d1ea"],
]; // prettier-ignore

describe("schematic ID", () => {
  it.each(vectors)("%j", (canonical, id) => {
    expect(schematicIdOfCanonical(canonical)).toBe(id);
    expect(canonicalSchematic(parseSchematic(canonical))).toBe(canonical);
    expect(schematicIdOfText(canonical)).toBe(id);
  });

  it("re-encodes any layout canonically: order, indent, omitempty", () => {
    const text = `customization:
  diskImage: {sectorSize: 4096}
  extraKernelArgs: []
  secureboot: {includeWellKnownCertificates: false}
`;
    expect(canonicalSchematic(parseSchematic(text))).toBe(
      "customization:\n    diskImage:\n        sectorSize: 4096\n",
    );
    expect(schematicIdOfText("{}")).toBe(vectors[0]![1]);
    expect(schematicIdOfText("")).toBe(vectors[0]![1]);
    expect(schematicIdOfText('{"customization": {"extraKernelArgs": ["noapic", "nolapic"]}}')).toBe(
      vectors[1]![1],
    );
  });

  it("keeps extension order (order changes the ID)", () => {
    const a = "customization:\n  systemExtensions:\n    officialExtensions: [siderolabs/a, siderolabs/b]\n";
    const b = "customization:\n  systemExtensions:\n    officialExtensions: [siderolabs/b, siderolabs/a]\n";
    expect(canonicalSchematic(parseSchematic(a))).toBe(
      "customization:\n    systemExtensions:\n        officialExtensions:\n            - siderolabs/a\n            - siderolabs/b\n",
    );
    expect(schematicIdOfText(a)).not.toBe(schematicIdOfText(b));
  });

  it("rejects unknown keys and wrong types precisely", () => {
    expect(() => parseSchematic("customization:\n  extensions: []\n")).toThrow(
      "invalid schematic: line 2: field extensions not found in type schematic.Customization",
    );
    expect(() => parseSchematic("foo: 1\n")).toThrow("field foo not found in type schematic.Schematic");
    expect(() => parseSchematic("customization:\n  meta:\n    - key: 300\n      value: x\n")).toThrow(
      /customization.meta\[0\].key must be an integer from 0 to 255/,
    );
  });
});

describe("factory URLs", () => {
  const id = vectors[0]![1];
  it("uses the legacy installer before Talos 1.10 and the platform installer after", () => {
    expect(installerImage({ schematicId: id, talosVersion: "v1.9.6", platform: "nocloud" })).toBe(`factory.talos.dev/installer/${id}:v1.9.6`);
    expect(installerImage({ schematicId: id, talosVersion: "v1.9.6", platform: "metal", secureBoot: true })).toBe(`factory.talos.dev/installer-secureboot/${id}:v1.9.6`);
    expect(installerImage({ schematicId: id, talosVersion: "v1.10.0", platform: "nocloud" })).toBe(`factory.talos.dev/nocloud-installer/${id}:v1.10.0`);
    expect(installerImage({ schematicId: id, talosVersion: "v1.11.5", platform: "metal", secureBoot: true })).toBe(`factory.talos.dev/metal-installer-secureboot/${id}:v1.11.5`);
  }); // prettier-ignore

  it("lists boot assets per platform", () => {
    expect(factoryUrls({ schematicId: id, talosVersion: "v1.11.5", platform: "nocloud" })).toEqual({
      installerImage: `factory.talos.dev/nocloud-installer/${id}:v1.11.5`,
      diskImage: `https://factory.talos.dev/image/${id}/v1.11.5/nocloud-amd64.raw.xz`,
      iso: `https://factory.talos.dev/image/${id}/v1.11.5/nocloud-amd64.iso`,
      pxe: `https://pxe.factory.talos.dev/pxe/${id}/v1.11.5/nocloud-amd64`,
      kernel: `https://factory.talos.dev/image/${id}/v1.11.5/kernel-amd64`,
      initramfs: `https://factory.talos.dev/image/${id}/v1.11.5/initramfs-amd64.xz`,
    });
    expect(factoryUrls({ schematicId: id, talosVersion: "v1.11.5", platform: "hcloud" })).toEqual({
      installerImage: `factory.talos.dev/hcloud-installer/${id}:v1.11.5`,
      diskImage: `https://factory.talos.dev/image/${id}/v1.11.5/hcloud-amd64.raw.xz`,
    });
    expect(factoryUrls({ schematicId: id, talosVersion: "v1.12.0", platform: "metal", arch: "arm64", secureBoot: true })).toEqual({
      installerImage: `factory.talos.dev/metal-installer-secureboot/${id}:v1.12.0`,
      diskImage: `https://factory.talos.dev/image/${id}/v1.12.0/metal-arm64-secureboot.raw.zst`,
      iso: `https://factory.talos.dev/image/${id}/v1.12.0/metal-arm64-secureboot.iso`,
      pxe: `https://pxe.factory.talos.dev/pxe/${id}/v1.12.0/metal-arm64-secureboot`,
      uki: `https://factory.talos.dev/image/${id}/v1.12.0/metal-arm64-secureboot-uki.efi`,
    });
  }); // prettier-ignore

  it("refuses what the factory does not build", () => {
    expect(() => factoryUrls({ schematicId: id, talosVersion: "v1.11.5", platform: "hcloud", arch: "arm64" })).toThrow(/no arm64 images/);
    expect(() => factoryUrls({ schematicId: id, talosVersion: "v1.11.5", platform: "hcloud", secureBoot: true })).toThrow(/no SecureBoot/);
    expect(() => factoryUrls({ schematicId: id, talosVersion: "v1.11.5", platform: "aws" })).toThrow(/unknown platform/);
    expect(() => factoryUrls({ schematicId: "abc", talosVersion: "v1.11.5", platform: "metal" })).toThrow(/invalid schematic ID/);
  }); // prettier-ignore
});
