// Runs e2e.scenario.ts for one example inside network and PID namespaces of its own (netns.ts) and
// returns its report, with the checks every provider's life shares: nothing the fakes' schema validation refused,
// the apply killed at random points and then completed, healthy with 3 etcd members, plan at rest, no drift,
// Bootstrap called once, destroy guarded by the cluster's name and every decoy left in place.
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { runInOwnNetns, type Report } from "./netns.js";

export type { Report };

const SCENARIO = fileURLToPath(new URL("./e2e.scenario.ts", import.meta.url));

export function runScenario(example: string, kills = Number(process.env.CAIRN_E2E_KILLS ?? 10)): Report {
  return runInOwnNetns(SCENARIO, [example, String(kills)], {
    timeoutMs: 900_000,
    keepTmp: process.env.CAIRN_E2E_KEEP === "1",
  });
}

const text = (run: Report): string => `${run.tail ?? ""}`;

export function expectCommonLife(r: Report, kills: number): void {
  expect(r.rejected, "requests the fake's schema validation refused").toEqual([]);
  expect(r.responseErrors, "answers that broke the fake's response schema").toEqual([]);
  expect(r.plan1.code, text(r.plan1)).toBe(2);
  expect(r.killed).toHaveLength(kills);
  // The kills land while apply works (the first ones at least), not only after it is done.
  if (kills >= 3)
    expect(r.killed.filter((k: Report) => k.signal === "SIGKILL").length).toBeGreaterThanOrEqual(3);
  expect(r.apply.code, text(r.apply)).toBe(0);
  expect(r.healthJson?.ok, text(r.health)).toBe(true);
  const etcd = r.healthJson.checks.find((c: Report) => c.check === "etcd" && c.subject === "cluster");
  expect(etcd?.message).toMatch(/^3 member\(s\)/);
  expect(r.plan2.code, text(r.plan2)).toBe(0);
  expect(r.diff.code, text(r.diff)).toBe(0);
  expect(text(r.diff)).toMatch(/no drift/);
  // Bootstrap exactly once across every twin node the fake booted.
  const bootstraps = Object.values(r.twin.calls as Record<string, Record<string, number>>).reduce(
    (n, m) => n + (m.Bootstrap ?? 0),
    0,
  );
  expect(bootstraps).toBe(1);
  expect(r.destroyNoYes.code).toBe(1);
  expect(text(r.destroyNoYes)).toMatch(/without --yes-destroy/);
  expect(r.destroyWrongName.code).toBe(1);
  expect(text(r.destroyWrongName)).toMatch(/nothing was changed/);
  expect(r.destroy.code, text(r.destroy)).toBe(0);
  expect(r.destroy.out).toMatch(/left alone \(not cairn's for this cluster\)/);
  expect(r.planAfterDestroy.code).toBe(2);
}
