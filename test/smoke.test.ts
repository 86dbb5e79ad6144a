import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";

function capture() {
  let out = "";
  let err = "";
  return {
    io: { out: (s: string) => void (out += s), err: (s: string) => void (err += s), isTTY: false },
    get out() {
      return out;
    },
    get err() {
      return err;
    },
  };
}

describe("cli", () => {
  it("prints its version", async () => {
    const c = capture();
    expect(await main(["node", "cairn", "--version"], c.io)).toBe(0);
    expect(c.out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
  it("rejects an unknown command with exit 1", async () => {
    const c = capture();
    expect(await main(["node", "cairn", "frobnicate"], c.io)).toBe(1);
    expect(c.err).toContain("unknown command");
  });
});
