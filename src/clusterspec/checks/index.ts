// Semantic checks: rules that relate fields to each other. Each check module returns findings with field paths;
// the loader attaches file positions. All checks run, so every problem is reported in one pass.
import type { ClusterSpec } from "../schema.js";
import type { Finding } from "../../findings.js";
import { checkTopology } from "./topology.js";
import { checkNetworks } from "./networks.js";
import { checkNodes } from "./nodes.js";
import { checkEndpoint } from "./endpoint.js";
import { checkVersions } from "./versions.js";
import { checkProviders } from "../../providers/registry.js";
import { checkPools } from "./pools.js";
import { checkPodBlocks } from "./podblocks.js";
import { checkAddons, checkTenants } from "./addons.js";
import { checkExtensions } from "./extensions.js";
import { checkImage } from "./image.js";
import { checkAddons as checkAddonRegistry } from "../../addons/index.js";

export type Check = (spec: ClusterSpec) => Finding[];

export const checks: Check[] = [
  checkTopology,
  checkVersions,
  checkNetworks,
  checkNodes,
  checkEndpoint,
  checkProviders,
  checkPools,
  checkPodBlocks,
  checkAddons,
  // Each add-on's own rules, through the add-on registry.
  checkAddonRegistry,
  checkTenants,
  checkExtensions,
  checkImage,
];

export function checkSpec(spec: ClusterSpec): Finding[] {
  return checks.flatMap((c) => c(spec));
}
