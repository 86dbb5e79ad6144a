#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
// Node's on-disk compile cache (as npm itself uses) keeps start-up near a bare `node` once warm.
import module from "node:module";

// Refuse an older Node before loading anything: on Node 20 cairn half-works and then fails in ways that look like
// bugs (a deep patch overflows its smaller stack and aborts the process). Kept to syntax any ESM-capable Node parses.
const NEED = [22, 12];
const found = process.versions.node.split(".").map(Number);
if (found[0] < NEED[0] || (found[0] === NEED[0] && found[1] < NEED[1])) {
  process.stderr.write(
    `error: cairn needs Node.js ${NEED.join(".")} or newer; this is Node.js ${process.version} (${process.execPath})\n` +
      "hint: inside the cairn repository run it with the Node it brings as a dev dependency: `npx cairn …` or " +
      "`npm exec cairn -- …`; elsewhere install Node 22 LTS or newer from https://nodejs.org/en/download " +
      "(or `nvm install 24`)\n",
  );
  process.exit(1);
}

module.enableCompileCache?.();
// A reader that goes away (`cairn … | head`) is not an error: stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}
// @grpc/grpc-js sets the TLS server name to the target's host even when it is an IP address (Talos nodes are
// dialled by address); Node then warns DEP0123 on every run. cairn checks the node's certificate itself
// (src/talos/api/credentials.ts), so this one warning says nothing to the user; every other warning still prints.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const code = typeof rest[0] === "object" ? rest[0]?.code : rest[1];
  if (code === "DEP0123") return;
  emitWarning(warning, ...rest);
};
const { main } = await import("../dist/cli/main.js");
process.exitCode = await main(process.argv);
