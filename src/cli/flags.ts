// Option parsers shared by the commands, so repeatable and list flags behave the same everywhere.
import { InvalidArgumentError, Option, type Command } from "commander";

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

/**
 * A released spelling kept working for scripts: hidden from --help, it warns on stderr and fills the option that
 * replaced it. `-o` now always names a path (`-o/--out`) and `--output` always a format (text, json).
 */
export function deprecatedAlias(
  command: Command,
  flags: string,
  target: { attribute: string; spelling: string },
): Command {
  const alias = new Option(flags).hideHelp();
  command.addOption(alias);
  command.hook("preAction", (_cmd, action) => {
    const value: unknown = action.getOptionValue(alias.attributeName());
    if (value === undefined) return;
    // The program routes every command's stderr through the CLI's Io (main.ts), so tests see the warning too.
    const writeErr = action.configureOutput().writeErr ?? ((s: string) => process.stderr.write(s));
    writeErr(`warning: ${alias.flags.split(" ")[0]} is deprecated here; use ${target.spelling}\n`);
    action.setOptionValue(target.attribute, value);
  });
  return command;
}
