// `cairn init`: prints (or writes) a commented starter cairn.yaml that validates as written.
// The generator and the file writer are imported when the command runs, so start-up stays fast.
import type { Command } from "commander";
import { UserError } from "../../errors.js";
import type { Io } from "../output.js";
import { deprecatedAlias } from "../flags.js";

interface InitFlags {
  provider: string;
  controlplanes: string;
  workers: string;
  name: string;
  talosVersion?: string;
  out?: string;
  force?: boolean;
}

export function registerInit(program: Command, io: Io): void {
  const command = program
    .command("init")
    .description("Write a commented starter cairn.yaml (to stdout, or to a file with -o)")
    .option("--provider <provider>", "where the machines come from: static, proxmox or hetzner", "static")
    .option("--controlplanes <n>", "number of control-plane nodes (1, 3 or 5 keep etcd quorum sane)", "3")
    .option("--workers <m>", "number of worker nodes", "0")
    .option("--name <name>", "cluster name (DNS-1123 label)", "homelab")
    .option("--talos-version <version>", "Talos release, e.g. v1.11.5 (default: the newest cairn knows)")
    .option("-o, --out <file>", "write to this file instead of stdout")
    .option("--force", "overwrite the output file if it exists")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  cairn init > cairn.yaml\n" +
        "  cairn init --provider proxmox --controlplanes 3 --workers 2 -o cairn.yaml\n" +
        "  cairn init --provider hetzner --name prod --talos-version v1.11.5",
    )
    .action(async (flags: InitFlags) => {
      const { checkInitOptions, renderInitSpec, INIT_DEFAULTS } = await import("../../clusterspec/init.js");
      const options = {
        provider: flags.provider as (typeof INIT_DEFAULTS)["provider"],
        controlplanes: wholeNumber(flags.controlplanes),
        workers: wholeNumber(flags.workers),
        name: flags.name,
        talosVersion: flags.talosVersion ?? INIT_DEFAULTS.talosVersion,
      };
      const problems = checkInitOptions(options);
      if (problems.length) throw new UserError(problems.join("\n"), { hint: "see `cairn init --help`" });
      const text = renderInitSpec(options);
      if (!flags.out) {
        io.out(text);
        return;
      }
      const { FileExistsError, writeFileAtomic } = await import("../../io/files.js");
      try {
        writeFileAtomic(flags.out, text, { noClobber: !flags.force });
      } catch (e) {
        if (e instanceof FileExistsError)
          throw new UserError(`${flags.out} already exists`, {
            hint: "pass --force to overwrite it, or choose another file with -o",
          });
        throw e;
      }
      io.err(`wrote ${flags.out}; check it with \`cairn validate ${flags.out} --show-plan\`\n`);
    });
  deprecatedAlias(command, "--output <file>", { attribute: "out", spelling: "-o/--out" });
}

/** "3" → 3; anything else ("3.5", "three", "-1") → NaN, which checkInitOptions reports. */
function wholeNumber(text: string): number {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
}
