// Build step: files the compiled code reads at runtime ship next to it in dist/ (and so in the npm package, whose
// `files` includes dist): the Talos API's .proto files, and the `cairn ui` page's HTML, CSS and browser script.
import { cpSync } from "node:fs";

cpSync("src/talos/api/proto", "dist/talos/api/proto", { recursive: true });
cpSync("src/ui/assets", "dist/ui/assets", { recursive: true });
