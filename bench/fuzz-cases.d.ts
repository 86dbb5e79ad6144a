// Types for bench/fuzz-cases.js, which the CI fuzz test (test/fuzz.test.ts) imports.
export declare const DEFAULT_SEED: number;
export declare const KINDS: readonly string[];

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export interface FuzzFailure {
  index: number;
  kind: string;
  args: string[];
  code: number;
  output: string;
  inputs: Record<string, string>;
}

export interface FuzzStats {
  total: number;
  kinds: Record<string, number>;
  codes: Record<string, number>;
  exit70: number;
  stackTraces: number;
  failures: FuzzFailure[];
}

export declare function runFuzz(options: {
  cli: (args: string[]) => Promise<CliResult>;
  repoRoot: string;
  workDir: string;
  seed?: number;
  count?: number;
  kinds?: readonly string[];
}): Promise<FuzzStats>;

export declare function writeFailures(dir: string, seed: number, failures: readonly FuzzFailure[]): void;
