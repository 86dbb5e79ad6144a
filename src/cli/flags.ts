// Option parsers shared by the commands, so repeatable and list flags behave the same everywhere.
import { InvalidArgumentError } from "commander";

/** A repeatable flag: every occurrence is kept, in order. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** talosctl's StringSlice: repeatable and comma-separated (`-n a,b -n c`). */
export const commaList = (value: string, previous: string[]): string[] => [
  ...previous,
  ...value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
];

/** talosctl's explicit booleans: `--flag=false`. */
export function parseBool(value: string): boolean {
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw new InvalidArgumentError(`expected true or false, not "${value}"`);
}
