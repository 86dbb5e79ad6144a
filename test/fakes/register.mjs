// Lets Node run the fakes' TypeScript directly (Node ≥ 23.6 strips types): an import of "./x.js" from a .ts module
// resolves to "./x.ts" when that exists, as tsc and vitest resolve it. The fakes import cairn's own modules (the
// twin, the PKI) from dist/, which the test run builds first, so only erasable TypeScript runs through here.
import { existsSync } from "node:fs";
import { registerHooks } from "node:module";
import { fileURLToPath } from "node:url";

registerHooks({
  resolve(specifier, context, next) {
    if (specifier.startsWith(".") && specifier.endsWith(".js") && context.parentURL?.endsWith(".ts")) {
      const ts = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
      if (existsSync(fileURLToPath(ts))) return next(ts.href, context);
    }
    return next(specifier, context);
  },
});
