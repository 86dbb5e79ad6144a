// `cairn render` writes the GitOps tree to <out>/gitops: plain 0644 files (they hold no secret and are meant to be
// committed), listed with every object in `--output json`, unchanged on a second run, and files of add-ons the
// spec no longer has are removed.
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { runCairn } from "../helpers/cli.js";
import { REPO_ROOT } from "../helpers/shared.js";

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

describe("cairn render: the GitOps tree", () => {
  it("writes, lists, reuses and prunes <out>/gitops", async () => {
    const out = mkdtempSync(join(tmpdir(), "cairn-gitops-cli-"));
    const file = join(REPO_ROOT, "examples", "proxmox-5node-vip-pools.yaml");
    const first = await runCairn("render", "-f", file, "-o", out, "--output", "json");
    expect(first.code, first.err).toBe(0);
    const report = JSON.parse(first.out) as {
      gitops: {
        dir: string;
        repositoryPath: string;
        objectCount: number;
        files: { path: string; changed: boolean; objects: { kind: string; name: string }[] }[];
        versions: { addon: string; component: string; version: string }[];
        notes: string[];
      };
    };
    const g = report.gitops;
    expect(g.dir).toBe(join(out, "gitops"));
    expect(g.repositoryPath).toBe("k8s");
    const onDisk = walk(g.dir)
      .map((p) => relative(g.dir, p))
      .sort();
    expect(g.files.map((f) => f.path).sort()).toEqual(onDisk);
    expect(g.files.every((f) => f.changed)).toBe(true);
    // Every object on disk is listed, file by file.
    let count = 0;
    for (const f of g.files) {
      const docs = parseAllDocuments(readFileSync(join(g.dir, f.path), "utf8"))
        .map((d) => d.toJS() as { kind: string; metadata?: { name: string } })
        .filter((d) => d.kind !== "Kustomization" || d.metadata);
      expect(f.objects.map((o) => `${o.kind}/${o.name}`)).toEqual(
        docs.map((d) => `${d.kind}/${d.metadata!.name}`),
      );
      count += f.objects.length;
      expect(statSync(join(g.dir, f.path)).mode & 0o777).toBe(0o644);
    }
    expect(count).toBe(g.objectCount);
    expect(g.versions.map((v) => v.component)).toContain("cilium chart");
    expect(g.notes.some((n) => n.includes("powerdns-tsig"))).toBe(true);

    // Again: nothing changes. A stale file of a removed add-on disappears.
    writeFileSync(join(g.dir, "controllers", "old-addon.yaml"), "kind: Stale\n");
    const second = await runCairn("render", "-f", file, "-o", out, "--output", "json");
    const g2 = (JSON.parse(second.out) as typeof report).gitops;
    expect(g2.files.every((f) => !f.changed)).toBe(true);
    expect(existsSync(join(g.dir, "controllers", "old-addon.yaml"))).toBe(false);

    const text = await runCairn("render", "-f", file, "-o", out);
    expect(text.out).toMatch(
      /unchanged {2}.*gitops\/ {2}\(\d+ files, \d+ objects; commit it at k8s\/ in the GitOps repository\)/,
    );
  });
});
