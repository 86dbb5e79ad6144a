// Prints one plain closing line, "N passed, N failed, N skipped", after vitest's own summary, so tools that read
// a run's last line (CI) see the counts without parsing vitest's coloured output.
import type { Reporter, TestModule } from "vitest/node";

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[]): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of testModules) {
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
        else skipped++;
      }
      // A file that fails to load has no tests but is still a failure.
      if (m.state() === "failed" && ![...m.children.allTests()].some((t) => t.result().state === "failed"))
        failed++;
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
