import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The twin tests start real etcd members on fixed loopback ports; files run one at a time per pool slot.
    pool: "forks",
    // The built CLI (dist/) is brought up to date once here; test files never rebuild it themselves.
    globalSetup: ["./test/helpers/global-setup.ts"],
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
  },
});
