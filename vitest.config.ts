import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The twin tests start real etcd members on fixed loopback ports; files run one at a time per pool slot.
    pool: "forks",
    // Two files at a time even on 2 cores (vitest's default is cores − 1 = 1): most twin tests wait on simulated
    // reboots, etcd and timers rather than compute, so a second file halves the wall time of the suite. Each file
    // has loopback subnets of its own (HELPERS.md), so files never share an address.
    maxWorkers: 2,
    // The built CLI (dist/) is brought up to date once here; test files never rebuild it themselves.
    globalSetup: ["./test/helpers/global-setup.ts"],
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
  },
});
