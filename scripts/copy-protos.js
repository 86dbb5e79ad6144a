// Build step: the Talos API client loads its .proto files at runtime, so they ship next to the compiled module.
import { cpSync } from "node:fs";

cpSync("src/talos/api/proto", "dist/talos/api/proto", { recursive: true });
