// The committed JSON Schema (schema/cairn.schema.json, for editors) must be exactly what `cairn schema` prints,
// must compile under draft 2020-12, and must accept every bundled example, so the editor never disagrees with
// `cairn validate` about a file we ship.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { Ajv2020 } from "ajv/dist/2020.js";
import { specJsonSchemaText } from "../src/clusterspec/json-schema.js";
import { renderInitSpec, INIT_DEFAULTS, INIT_PROVIDERS } from "../src/clusterspec/init.js";
import { REPO_ROOT } from "./helpers/shared.js";

const SCHEMA_FILE = join(REPO_ROOT, "schema", "cairn.schema.json");
const EXAMPLES = join(REPO_ROOT, "examples");
const exampleFiles = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

describe("schema/cairn.schema.json", () => {
  const committed = readFileSync(SCHEMA_FILE, "utf8");

  it("is exactly what `cairn schema` prints (regenerate: npx node bin/cairn.js schema > schema/cairn.schema.json)", () => {
    expect(committed).toBe(specJsonSchemaText());
  });

  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const validate = ajv.compile(JSON.parse(committed) as object);

  it("compiles as JSON Schema draft 2020-12", () => {
    expect(typeof validate).toBe("function");
  });

  for (const file of exampleFiles)
    it(`accepts examples/${file}`, () => {
      const data: unknown = parse(readFileSync(join(EXAMPLES, file), "utf8"));
      const ok = validate(data);
      expect(ok, JSON.stringify(validate.errors, null, 1)).toBe(true);
    });

  for (const provider of INIT_PROVIDERS)
    it(`accepts the \`cairn init --provider ${provider}\` starter`, () => {
      const ok = validate(parse(renderInitSpec({ ...INIT_DEFAULTS, provider, workers: 2 })));
      expect(ok, JSON.stringify(validate.errors, null, 1)).toBe(true);
    });

  it("rejects an unknown field, as the loader does", () => {
    const data = parse(readFileSync(join(EXAMPLES, "minimal.yaml"), "utf8")) as Record<string, unknown>;
    expect(validate({ ...data, nodez: [] })).toBe(false);
  });
});
