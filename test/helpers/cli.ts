// Runs cairn's CLI in-process with its output captured, as every command test does.
import { main } from "../../src/cli/main.js";
import type { Io } from "../../src/cli/output.js";

export interface Captured {
  out: string;
  err: string;
}

/** An Io that collects what a command writes; read `c.out` and `c.err` after it ran. */
export function captureIo(): { c: Captured; io: Io } {
  const c: Captured = { out: "", err: "" };
  return { c, io: { out: (s) => void (c.out += s), err: (s) => void (c.err += s), isTTY: false } };
}

/** `cairn ARGS…` in-process: its exit code and output. Commands report through process.exitCode; reset it. */
export async function runCairn(...args: string[]): Promise<{ code: number } & Captured> {
  const { c, io } = captureIo();
  process.exitCode = undefined;
  const code = await main(["node", "cairn", ...args], io);
  process.exitCode = undefined;
  return { code, ...c };
}
