// The boot image (talos.image): a medium the platform has, and META key 10 only where Talos reads it and where
// cairn can express every interface in it.
import { error, type Finding } from "../../findings.js";
import type { ClusterSpec } from "../schema.js";
import { providerDefaults } from "../../providers/registry.js";
import { PLATFORMS } from "../../talos/schematic/urls.js";
import { META_NETWORK_KEY } from "../../talos/schematic/meta-network.js";

export function checkImage(spec: ClusterSpec): Finding[] {
  const out: Finding[] = [];
  const img = spec.talos.image;
  const defaults = providerDefaults(spec.provider.type);
  const platform = img.platform ?? defaults.platform;
  if (img.format === "iso" && !PLATFORMS[platform]!.iso)
    out.push(
      error(
        "image.format",
        ["talos", "image", "format"],
        `Image Factory has no ISO for the ${platform} platform`,
        "use a disk image format (raw.xz) or another platform",
      ),
    );
  if (!img.networkMeta) return out;
  if (platform !== "metal")
    out.push(
      error(
        "image.meta-platform",
        ["talos", "image", "networkMeta"],
        `networkMeta bakes META key 10, which Talos reads only on the metal platform, not ${platform}`,
        "set talos.image.platform: metal (its disk images boot on Proxmox too), or drop networkMeta",
      ),
    );
  const tagging = (network: string) => spec.networks[network]?.tagging ?? defaults.vlanTagging;
  spec.nodes.forEach((n, ni) => {
    const own = n.schematic?.meta ?? spec.talos.schematic.meta ?? [];
    const k = own.findIndex((m) => m.key === META_NETWORK_KEY);
    if (k >= 0)
      out.push(
        error(
          "image.meta-conflict",
          n.schematic?.meta ? ["nodes", ni, "schematic", "meta", k] : ["talos", "schematic", "meta", k],
          `META key ${META_NETWORK_KEY} is given by hand and also derived by talos.image.networkMeta`,
          "remove the hand-written key 10 (networkMeta writes it from the planned addresses), or drop networkMeta",
        ),
      );
    n.interfaces.forEach((i, ii) => {
      if (n.interfaces.length > 1 && i.name === undefined)
        out.push(
          error(
            "image.meta-link-name",
            ["nodes", ni, "interfaces", ii],
            "META network config names links; this interface is found by MAC or selector",
            "give the interface its link name (e.g. name: eth1), or drop networkMeta",
          ),
        );
      const vlan = (i.vlan ?? spec.networks[i.network]?.vlan) || undefined;
      if (vlan !== undefined && (i.tagging ?? tagging(i.network)) === "node")
        out.push(
          error(
            "image.meta-vlan",
            ["nodes", ni, "interfaces", ii],
            `networkMeta cannot express the VLAN ${vlan} sub-interface Talos would tag here`,
            "tag the VLAN on the hypervisor (tagging: hypervisor), or drop networkMeta",
          ),
        );
    });
  });
  return out;
}
