// The command registry: one module per top-level command, each exporting a register function.
import type { Command } from "commander";
import type { Io } from "../output.js";
import { registerTalos } from "./talos.js";
import { registerValidate } from "./validate.js";
import { registerSchema } from "./schema.js";
import { registerSchematic } from "./schematic.js";
import { registerInit } from "./init.js";
import { registerSecrets } from "./secrets.js";
import { registerKubeconfig, registerTalosconfig } from "./credentials.js";
import { registerTwin } from "./twin.js";
import { registerRender } from "./render.js";
import { registerPlan } from "./plan.js";
import { registerApply } from "./apply.js";
import { registerUpgrade } from "./upgrade.js";
import { registerEtcd } from "./etcd.js";
import { registerHealth } from "./health.js";
import { registerStatus } from "./status.js";
import { registerDiff } from "./diff.js";
import { registerDiagram } from "./diagram.js";
import { registerUi } from "./ui.js";
import { registerImage } from "./image.js";
import { registerDestroy } from "./destroy.js";

/** Registers a command; `argv` lets a command with many subcommands load them only when it is the one invoked. */
export type RegisterCommand = (program: Command, io: Io, argv: readonly string[]) => void | Promise<void>;

export const commands: RegisterCommand[] = [
  registerInit,
  registerValidate,
  registerSchema,
  registerRender,
  registerPlan,
  registerApply,
  registerTalos,
  registerSecrets,
  registerTalosconfig,
  registerKubeconfig,
  registerTwin,
  registerSchematic,
  registerDiff,
  registerStatus,
  registerHealth,
  registerEtcd,
  registerUpgrade,
  registerDiagram,
  registerUi,
  registerImage,
  registerDestroy,
];
