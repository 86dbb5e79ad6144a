// Scheduled etcd backups to S3 (addons.etcdBackup).
import type { Addon } from "../types.js";
import { checkEtcdBackup } from "./checks.js";
import { renderEtcdBackup } from "./render.js";
import { sections } from "./schema.js";
import { TALOS_BACKUP_IMAGE } from "./versions.js";

export const etcdBackup: Addon = {
  name: "etcd-backup",
  sections,
  enabled: (spec) => spec.addons.etcdBackup !== undefined,
  versions: () => [
    {
      component: "talos-backup image",
      version: TALOS_BACKUP_IMAGE.split(":")[1]!,
      source: TALOS_BACKUP_IMAGE,
    },
  ],
  check: checkEtcdBackup,
  render: renderEtcdBackup,
};
