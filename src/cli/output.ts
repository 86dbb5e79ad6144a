// The one place the CLI writes to the terminal, so commands stay testable (tests pass their own sinks).
import { UserError } from "../errors.js";

export interface Io {
  out(text: string): void;
  err(text: string): void;
  isTTY: boolean;
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  isTTY: Boolean(process.stdout.isTTY),
};

export type OutputFormat = "text" | "json";

export function parseOutputFormat(value: string): OutputFormat {
  if (value === "text" || value === "json") return value;
  throw new UserError(`--output must be "text" or "json", not "${value}"`);
}
