// vitest global setup: bring dist/ up to date once, before any test file runs.
import { ensureBuilt } from "./build.js";

export default function setup(): void {
  ensureBuilt();
}
