// cairn's command line: a thin layer over the library. Each command lives in its own module under commands/ and
// loads its implementation lazily, so `cairn --version` and `--help` stay as fast as a bare Node start.
import { Command, CommanderError } from "commander";
import { isCairnError } from "../errors.js";
import { CAIRN_VERSION } from "../version.js";
import { processIo, type Io } from "./output.js";
import { commands } from "./commands/index.js";

export async function buildProgram(io: Io, argv: readonly string[]): Promise<Command> {
  const program = new Command("cairn")
    .description(
      "Turn one declarative cairn.yaml into a running, upgradeable Talos Linux Kubernetes platform.\n" +
        "Validate the spec, render Talos artefacts, talk to Talos nodes, and rehearse on the twin.",
    )
    .version(CAIRN_VERSION, "-V, --version", "print cairn's version")
    .helpOption("-h, --help", "show help for a command")
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride();
  program.addHelpText(
    "after",
    "\nExamples:\n" +
      "  cairn init --provider proxmox --controlplanes 3 --workers 2 > cairn.yaml\n" +
      "  cairn validate cairn.yaml --show-plan\n" +
      "  cairn render -f cairn.yaml -o out/\n" +
      "\nRun `cairn <command> --help` for a command's flags and examples.",
  );
  for (const register of commands) await register(program, io, argv);
  // Every level must throw instead of exiting, so main() returns an exit code and tests can run commands.
  const configure = (c: Command): void => {
    c.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
    c.commands.forEach(configure);
  };
  program.commands.forEach(configure);
  return program;
}

/** Runs the CLI and returns the process exit code; never throws for a user error. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const program = await buildProgram(io, argv);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    return reportError(e, io);
  }
}

export function reportError(e: unknown, io: Io): number {
  if (e instanceof CommanderError) {
    // Help and version output end in a CommanderError with exit code 0; usage errors are already printed.
    return e.exitCode;
  }
  if (isCairnError(e)) {
    io.err(`error: ${e.message}\n`);
    if (e.hint) io.err(`hint: ${e.hint}\n`);
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  io.err(`internal error (this is a bug in cairn, please report it): ${err.message}\n${err.stack ?? ""}\n`);
  return 70;
}
