// The published JSON Schema of cairn.yaml, generated from the zod spec so the two never drift
// (a test compares it with the committed schema/cairn.schema.json).
import { z } from "zod";
import { clusterSpecSchema } from "./schema.js";

function specJsonSchema(): Record<string, unknown> {
  // "input" mode: fields with defaults are optional for the person writing the file.
  const schema = z.toJSONSchema(clusterSpecSchema, { io: "input", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return { ...schema, $id: "https://cairn.dev/schemas/v1alpha1/cluster.json" };
}

export function specJsonSchemaText(): string {
  return JSON.stringify(specJsonSchema(), null, 2) + "\n";
}
