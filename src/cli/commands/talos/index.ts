// Subcommands of `cairn talos`, one module each.
import type { Command } from "commander";
import type { Io } from "../../output.js";
import { registerMachineconfig } from "./machineconfig.js";

export type RegisterSubcommand = (parent: Command, io: Io) => void;

export const talosSubcommands: RegisterSubcommand[] = [registerMachineconfig];
