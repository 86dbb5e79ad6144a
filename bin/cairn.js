#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
// Node's on-disk compile cache (as npm itself uses) keeps start-up near a bare `node` once warm.
import module from "node:module";

module.enableCompileCache?.();
// A reader that goes away (`cairn … | head`) is not an error: stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}
const { main } = await import("../dist/cli/main.js");
process.exitCode = await main(process.argv);
