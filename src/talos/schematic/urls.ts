// Image Factory artefact names for a schematic (research/talos.md §6; Talos pkg/machinery/platforms and
// imager/quirks at v1.13.9): installer images, boot assets per platform and architecture, and the PXE script.
import { UserError } from "../../errors.js";
import { compareVersions, parseVersion } from "../versions.js";

const FACTORY_HOST = "factory.talos.dev";
const FACTORY_URL = `https://${FACTORY_HOST}`;
const PXE_URL = `https://pxe.${FACTORY_HOST}`;

export type Arch = "amd64" | "arm64";
export const ARCHES: readonly Arch[] = ["amd64", "arm64"];

export interface PlatformInfo {
  name: string;
  /** The provider this platform image is for, in cairn's words. */
  usedFor: string;
  arches: readonly Arch[];
  diskImageSuffix: string;
  iso: boolean;
  pxe: boolean;
  secureBoot: boolean;
}

// The platforms cairn provisions on (Talos pkg/machinery/platforms): Proxmox boots nocloud, Hetzner Cloud hcloud.
export const PLATFORMS: Record<string, PlatformInfo> = {
  metal: { name: "metal", usedFor: "bare metal", arches: ARCHES, diskImageSuffix: "raw.zst", iso: true, pxe: true, secureBoot: true },
  nocloud: { name: "nocloud", usedFor: "Proxmox and other nocloud hypervisors", arches: ARCHES, diskImageSuffix: "raw.xz", iso: true, pxe: true, secureBoot: true },
  hcloud: { name: "hcloud", usedFor: "Hetzner Cloud", arches: ["amd64"], diskImageSuffix: "raw.xz", iso: false, pxe: false, secureBoot: false },
}; // prettier-ignore

export interface FactoryTarget {
  schematicId: string;
  /** "v1.11.5" */
  talosVersion: string;
  platform: string;
  arch?: Arch;
  secureBoot?: boolean;
  /** Disk image format: raw, raw.xz, raw.zst, raw.gz or qcow2 (default: the platform's usual one). */
  diskFormat?: string;
}

/** The disk image formats Image Factory serves for every platform (the suffix of the asset path). */
const DISK_FORMATS = ["raw", "raw.xz", "raw.zst", "raw.gz", "qcow2"] as const;

export interface FactoryUrls {
  installerImage: string;
  /** Present when the platform boots from an ISO. */
  iso?: string;
  diskImage: string;
  /** Present when the platform can PXE boot. */
  pxe?: string;
  kernel?: string;
  initramfs?: string;
  uki?: string;
}

const SCHEMATIC_ID = /^[0-9a-f]{64}$/;

function check(t: FactoryTarget): { platform: PlatformInfo; arch: Arch; version: string } {
  if (!SCHEMATIC_ID.test(t.schematicId))
    throw new UserError(`invalid schematic ID ${JSON.stringify(t.schematicId)}`, {
      hint: "a schematic ID is 64 lowercase hex characters (`cairn schematic id FILE` computes one)",
    });
  const v = parseVersion(t.talosVersion);
  if (!v)
    throw new UserError(`invalid Talos version ${JSON.stringify(t.talosVersion)}`, { hint: "e.g. v1.11.5" });
  const platform = PLATFORMS[t.platform];
  if (!platform)
    throw new UserError(`unknown platform ${JSON.stringify(t.platform)}`, {
      hint: `cairn knows: ${Object.keys(PLATFORMS).join(", ")} (Proxmox uses nocloud, Hetzner Cloud uses hcloud)`,
    });
  const arch = t.arch ?? "amd64";
  if (!platform.arches.includes(arch))
    throw new UserError(`platform ${platform.name} has no ${arch} images`, {
      hint: `supported: ${platform.arches.join(", ")}`,
    });
  if (t.diskFormat !== undefined && !(DISK_FORMATS as readonly string[]).includes(t.diskFormat))
    throw new UserError(`Image Factory serves no "${t.diskFormat}" disk images`, {
      hint: `disk image formats: ${DISK_FORMATS.join(", ")}`,
    });
  if (t.secureBoot && !platform.secureBoot)
    throw new UserError(`platform ${platform.name} has no SecureBoot images`, {
      hint: "SecureBoot images exist for metal and nocloud",
    });
  const version = t.talosVersion.startsWith("v") ? t.talosVersion : `v${t.talosVersion}`;
  return { platform, arch, version };
}

/** Talos ≥ 1.10 has per-platform ("unified") installer images; before that one installer served all. */
function supportsUnifiedInstaller(talosVersion: string): boolean {
  const v = parseVersion(talosVersion);
  return v !== undefined && compareVersions(v, { major: 1, minor: 10, patch: 0, pre: "" }) >= 0;
}

/** The installer image for machine.install.image and upgrades. */
export function installerImage(t: FactoryTarget): string {
  const { platform, version } = check(t);
  const sb = t.secureBoot ? "-secureboot" : "";
  const repo = supportsUnifiedInstaller(version) ? `${platform.name}-installer${sb}` : `installer${sb}`;
  return `${FACTORY_HOST}/${repo}/${t.schematicId}:${version}`;
}

/** The URL of one boot asset path ("metal-amd64.iso") for a schematic and version. */
export function assetUrl(schematicId: string, talosVersion: string, path: string): string {
  return `${FACTORY_URL}/image/${schematicId}/${talosVersion}/${path}`;
}

/** Installer image and boot asset URLs for one platform, architecture and SecureBoot choice. */
export function factoryUrls(t: FactoryTarget): FactoryUrls {
  const { platform, arch, version } = check(t);
  const id = t.schematicId;
  const base = `${platform.name}-${arch}${t.secureBoot ? "-secureboot" : ""}`;
  const urls: FactoryUrls = {
    installerImage: installerImage(t),
    diskImage: assetUrl(id, version, `${base}.${t.diskFormat ?? platform.diskImageSuffix}`),
  };
  if (platform.iso) urls.iso = assetUrl(id, version, `${base}.iso`);
  if (platform.pxe) {
    urls.pxe = `${PXE_URL}/pxe/${id}/${version}/${base}`;
    if (t.secureBoot) urls.uki = assetUrl(id, version, `${base}-uki.efi`);
    else {
      urls.kernel = assetUrl(id, version, `kernel-${arch}`);
      urls.initramfs = assetUrl(id, version, `initramfs-${arch}.xz`);
    }
  }
  return urls;
}
