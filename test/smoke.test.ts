import { describe, expect, it } from "vitest";
import { runCairn } from "./helpers/cli.js";

describe("cli", () => {
  it("prints its version", async () => {
    const r = await runCairn("--version");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
  it("rejects an unknown command with exit 1", async () => {
    const r = await runCairn("frobnicate");
    expect(r.code).toBe(1);
    expect(r.err).toContain("unknown command");
  });
});
