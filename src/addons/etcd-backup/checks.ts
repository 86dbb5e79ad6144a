// The backup's S3 settings are plain strings the schema already requires; nothing relates them to other sections.
import type { Finding } from "../../findings.js";
import type { AddonSpecView } from "../types.js";

export function checkEtcdBackup(_spec: AddonSpecView): Finding[] {
  return [];
}
