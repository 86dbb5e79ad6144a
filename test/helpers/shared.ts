// Paths to the read-only reference material beside the repository (../shared), used by golden and schema tests.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const SHARED = fileURLToPath(new URL("../../../shared/", import.meta.url));
export const TALOS_REFERENCE = `${SHARED}reference/talos/`;
export const TALOS_GOLDEN = `${TALOS_REFERENCE}golden/`;

export function readShared(relative: string): string {
  return readFileSync(`${SHARED}${relative}`, "utf8");
}
