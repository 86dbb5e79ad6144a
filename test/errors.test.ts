// The error-code table is the contract tools and tests rely on: every code in it is raised somewhere (no dead
// entries left behind by a refactor) and says what it means.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../src/errors.js";
import { REPO_ROOT } from "./helpers/shared.js";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

describe("ERROR_CODES", () => {
  const text = sources(join(REPO_ROOT, "src"))
    .filter((f) => !f.endsWith(join("src", "errors.ts")))
    .map((f) => readFileSync(f, "utf8"))
    .join("\n");

  it.each(Object.entries(ERROR_CODES))("%s is described and raised somewhere in src/", (code, what) => {
    expect(what.length).toBeGreaterThan(10);
    expect(text.includes(`"${code}"`), `no source file raises "${code}"`).toBe(true);
  });
});
