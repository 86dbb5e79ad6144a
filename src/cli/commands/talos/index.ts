// Subcommands of `cairn talos`, one module each.
import type { Command } from "commander";
import type { Io } from "../../output.js";
import { registerMachineconfig } from "./machineconfig.js";
import { registerVersion } from "./version.js";
import { registerApplyConfig } from "./apply-config.js";
import { registerBootstrap } from "./bootstrap.js";
import { registerUpgrade } from "./upgrade.js";
import { registerReset } from "./reset.js";
import { registerReboot } from "./reboot.js";
import { registerShutdown } from "./shutdown.js";
import { registerEtcd } from "./etcd.js";
import { registerServices } from "./services.js";
import { registerKubeconfig } from "./kubeconfig.js";
import { registerGet } from "./get.js";
import { registerHealth } from "./health.js";
import { registerLogs } from "./logs.js";
import { registerDmesg } from "./dmesg.js";
import { registerGenConfig } from "./gen-config.js";

export type RegisterSubcommand = (parent: Command, io: Io) => void;

export const talosSubcommands: RegisterSubcommand[] = [
  registerMachineconfig,
  registerVersion,
  registerApplyConfig,
  registerBootstrap,
  registerUpgrade,
  registerReset,
  registerReboot,
  registerShutdown,
  registerEtcd,
  registerServices,
  registerKubeconfig,
  registerGet,
  registerHealth,
  registerLogs,
  registerDmesg,
  registerGenConfig,
];
