// local-path-provisioner: volumes in a folder on the node's own disk (addons.storage type local-path), for a single
// node or for workloads that replicate their own data.
import type { Addon } from "../types.js";
import { checkLocalPath } from "./checks.js";
import { renderLocalPath } from "./render.js";
import { sections } from "./schema.js";
import { HELPER_IMAGE, LOCAL_PATH_IMAGE } from "./versions.js";

export const localPath: Addon = {
  name: "local-path",
  sections,
  enabled: (spec) => spec.addons.storage?.type === "local-path",
  versions: () => [
    {
      component: "local-path-provisioner image",
      version: LOCAL_PATH_IMAGE.split(":")[1]!,
      source: LOCAL_PATH_IMAGE,
    },
    { component: "volume helper image", version: HELPER_IMAGE.split(":")[1]!, source: HELPER_IMAGE },
  ],
  check: checkLocalPath,
  render: renderLocalPath,
};
