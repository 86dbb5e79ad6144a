// Typed errors shared by every boundary. A CairnError is an expected failure the user can act on: the CLI prints
// its message and hint without a stack trace and exits with its exit code. Anything else is a bug.

export interface CairnErrorOptions {
  hint?: string;
  exitCode?: number;
  cause?: unknown;
}

export class CairnError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(code: string, message: string, options: CairnErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CairnError";
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Bad input from the user: a file, a flag, an argument. */
export class UserError extends CairnError {
  constructor(message: string, options: CairnErrorOptions = {}) {
    super("user", message, options);
    this.name = "UserError";
  }
}

export function isCairnError(e: unknown): e is CairnError {
  return e instanceof CairnError;
}
