// The package version, read once from package.json next to dist/ or src/ (both are one level below the root).
import { readFileSync } from "node:fs";

export const CAIRN_VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
