// After `cairn upgrade talos|kubernetes --to X` (issue 9 item 2): with --update-spec cairn.yaml's version is set to
// X in place (only that value); without it cairn says exactly what to change; an edit that would leave the spec
// invalid is not made, and the user is told why; an unpinned field is left to cairn's record.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import type { Io } from "../../src/cli/output.js";
import { settleSpecVersion } from "../../src/cli/spec-update.js";
import { REPO_ROOT } from "../helpers/shared.js";

const dir = mkdtempSync(join(tmpdir(), "cairn-spec-update-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const example = readFileSync(join(REPO_ROOT, "examples/single-node.yaml"), "utf8");
let n = 0;
function specFile(text: string): string {
  const file = join(dir, `cairn-${n++}.yaml`);
  writeFileSync(file, text, { mode: 0o640 });
  return file;
}
function io(): Io & { said: string } {
  const sink = {
    said: "",
    isTTY: false,
    out: (t: string) => void (sink.said += t),
    err: (t: string) => void (sink.said += t),
  };
  return sink;
}
const talos = ["talos", "version"] as const;

it("--update-spec changes only the version, keeping the file's form (the 'v', comments, mode)", async () => {
  const file = specFile(example);
  const out = io();
  const r = await settleSpecVersion(out, {
    file,
    field: talos,
    to: "v1.12.12",
    update: true,
    interactive: false,
  });
  expect(r).toBe(true);
  expect(readFileSync(file, "utf8")).toBe(example.replace("version: v1.12.11", "version: v1.12.12"));
  expect(statSync(file).mode & 0o777).toBe(0o640);
  expect(out.said).toBe(`${file}:10: talos.version v1.12.11 → v1.12.12 (only that value changed)\n`);
});

it("without --update-spec (and no terminal) the file is left alone and the exact change is named", async () => {
  const file = specFile(example);
  const out = io();
  await settleSpecVersion(out, { file, field: talos, to: "v1.12.12", update: false, interactive: false });
  expect(readFileSync(file, "utf8")).toBe(example);
  expect(out.said).toMatch(
    new RegExp(
      `^warning: ${file}:10 still says talos\\.version: v1\\.12\\.11, but the cluster now runs v1\\.12\\.12\\. Set it to v1\\.12\\.12 \\(or run again with --update-spec\\)`,
    ),
  );
});

it("a version already in the spec, or a field the spec does not pin, changes nothing", async () => {
  const file = specFile(example);
  const out = io();
  expect(
    await settleSpecVersion(out, { file, field: talos, to: "1.12.11", update: true, interactive: false }),
  ).toBe(true);
  expect(
    await settleSpecVersion(out, {
      file,
      field: ["kubernetes", "version"],
      to: "1.35.4",
      update: true,
      interactive: false,
    }),
  ).toBe(false);
  expect(readFileSync(file, "utf8")).toBe(example);
  expect(out.said).toBe("");
});

it("an edit that would make the spec invalid is not made: the file stays, the reason is given", async () => {
  // Kubernetes 1.35 is outside Talos 1.8's window: setting talos.version alone would break the spec.
  const file = specFile(example.replace("kubernetes:\n", "kubernetes:\n  version: 1.35.4\n"));
  const before = readFileSync(file, "utf8");
  const out = io();
  await settleSpecVersion(out, { file, field: talos, to: "v1.8.3", update: true, interactive: false });
  expect(readFileSync(file, "utf8")).toBe(before);
  expect(out.said).toMatch(
    new RegExp(
      `^warning: ${file} left unchanged: with talos\\.version: v1\\.8\\.3 it would not validate \\(.*kubernetes`,
      "s",
    ),
  );
});
