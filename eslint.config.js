import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", "out/**", ".cairn/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        Buffer: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        URL: "readonly",
        structuredClone: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    // The `cairn ui` page's script runs in the browser, not in Node.
    files: ["src/ui/assets/**/*.js"],
    languageOptions: {
      globals: { document: "readonly", Node: "readonly", EventSource: "readonly", fetch: "readonly" },
    },
  },
  {
    // Every YAML input goes through src/io/yaml.ts (size, depth and alias limits; no source excerpts in errors).
    files: ["src/**/*.ts"],
    ignores: [
      "src/io/yaml.ts",
      // Its js-yaml fast path runs only on text already within io/yaml.ts's limits (see quickData).
      "src/clusterspec/load.ts",
      // Walks the tokens of text the spec loader has already read within the limits, to place a bracket error.
      "src/clusterspec/yaml-errors.ts",
    ],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "yaml",
              importNames: ["parse", "parseDocument", "parseAllDocuments", "Parser", "Composer"],
              message: "parse YAML with src/io/yaml.ts (parseYaml, parseYamlStream, parseYamlDocuments)",
            },
            {
              name: "js-yaml",
              message: "parse YAML with src/io/yaml.ts (only the spec loader's fast path reads with js-yaml)",
            },
          ],
        },
      ],
    },
  },
);
