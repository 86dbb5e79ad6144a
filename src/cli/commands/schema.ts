// `cairn schema`: prints the JSON Schema of cairn.yaml for editors (yaml-language-server).
import type { Command } from "commander";
import type { Io } from "../output.js";

export function registerSchema(program: Command, io: Io): void {
  program
    .command("schema")
    .description("Print the JSON Schema of cairn.yaml (a copy is committed as schema/cairn.schema.json)")
    .addHelpText(
      "after",
      "\nUse it in an editor with yaml-language-server by putting this first line in cairn.yaml:\n" +
        "  # yaml-language-server: $schema=./node_modules/cairn/schema/cairn.schema.json",
    )
    .action(async () => {
      const { specJsonSchemaText } = await import("../../clusterspec/json-schema.js");
      io.out(specJsonSchemaText());
    });
}
