// cairn modules the fakes run, loaded from dist/ (built by the test run's global setup) with their types from src/.
// The fakes run as plain Node processes with type stripping, which cannot run src/ directly (it uses TypeScript
// syntax Node does not strip), so only the fakes' own erasable TypeScript runs through register.mjs.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type * as PkiModule from "../../../src/talos/pki/index.js";
import type * as TwinConfigModule from "../../../src/twin/config.js";
import type * as TwinModule from "../../../src/twin/twin.js";

export type { Twin } from "../../../src/twin/twin.js";

function distUrl(rel: string): string {
  const url = new URL(`../../../dist/${rel}`, import.meta.url);
  if (!existsSync(fileURLToPath(url))) throw new Error(`dist/${rel} is missing: run npm run build first`);
  return url.href;
}

export async function loadTwin(): Promise<typeof TwinModule> {
  return (await import(distUrl("twin/twin.js"))) as typeof TwinModule;
}

export async function loadTwinConfig(): Promise<typeof TwinConfigModule> {
  return (await import(distUrl("twin/config.js"))) as typeof TwinConfigModule;
}

export async function loadPki(): Promise<typeof PkiModule> {
  return (await import(distUrl("talos/pki/index.js"))) as typeof PkiModule;
}
