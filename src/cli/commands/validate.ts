// `cairn validate`: checks cairn.yaml and reports every problem at once, with file, line, field and hint.
import type { Command } from "commander";
import type { Io } from "../output.js";
import { deprecatedAlias } from "../flags.js";

export function registerValidate(program: Command, io: Io): void {
  const command = program
    .command("validate")
    .description("Check cairn.yaml: shape, networks, addresses, versions. Reports every problem at once.")
    .argument("[files...]", "spec files to check", [])
    .option("-f, --file <file>", "spec file (same as the argument)", "cairn.yaml")
    .option(
      "--output <format>",
      "text or json: an array of {severity, path, line, column, message, hint}; with --show-plan an object {diagnostics, plans}",
      "text",
    )
    .option("--show-plan", "print the resolved address plan (node, role, links, addresses, pod blocks)")
    .addHelpText(
      "after",
      "\nExit codes: 0 valid (warnings allowed), 1 invalid.\n\nExamples:\n" +
        "  cairn validate cairn.yaml\n  cairn validate examples/*.yaml\n  cairn validate --output json cairn.yaml | jq '.[].message'\n" +
        "  cairn validate --show-plan cairn.yaml\n  cairn validate --show-plan --output json cairn.yaml | jq '.plans[0].nodes[].address'",
    )
    .action(async (files: string[], opts: { file: string; output: string; showPlan?: boolean }) => {
      const { runValidate } = await import("../validate-run.js");
      process.exitCode = runValidate(files.length ? files : [opts.file], opts, io);
    });
  deprecatedAlias(command, "-o <format>", { attribute: "output", spelling: "--output" });
}
