/**
 * Every error chatlab raises on purpose carries a stable code (CHATLAB_E_*), so that tests,
 * scripts and the CLI's exit handling can tell them apart without parsing messages.
 */
export const ErrorCodes = {
  CONFIG: 'CHATLAB_E_CONFIG',
  INFRA_UNAVAILABLE: 'CHATLAB_E_INFRA_UNAVAILABLE',
  INFRA_START: 'CHATLAB_E_INFRA_START',
  READINESS_TIMEOUT: 'CHATLAB_E_READINESS_TIMEOUT',
  ALREADY_RUNNING: 'CHATLAB_E_ALREADY_RUNNING',
  NOT_RUNNING: 'CHATLAB_E_NOT_RUNNING',
  ABORTED: 'CHATLAB_E_ABORTED',
  JARS: 'CHATLAB_E_JARS',
  BAD_REQUEST: 'CHATLAB_E_BAD_REQUEST',
  UNAUTHORIZED: 'CHATLAB_E_UNAUTHORIZED',
  FORBIDDEN: 'CHATLAB_E_FORBIDDEN',
  NOT_FOUND: 'CHATLAB_E_NOT_FOUND',
  /** 429: a per-user rate (HTTP requests, conversation creations) was exceeded. */
  RATE_LIMITED: 'CHATLAB_E_RATE_LIMITED',
  /** 409: the request clashes with one in progress (a second long poll on the same session). */
  CONFLICT: 'CHATLAB_E_CONFLICT',
  /** 503: a dependency failed or the answer is not complete yet; try again (details are logged, never sent). */
  UNAVAILABLE: 'CHATLAB_E_UNAVAILABLE',
  INTERNAL: 'CHATLAB_E_INTERNAL',
  CLOCK_BACKWARDS: 'CHATLAB_E_CLOCK_BACKWARDS',
  SCENARIO: 'CHATLAB_E_SCENARIO',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class ChatlabError extends Error {
  readonly code: ErrorCode;
  /** Extra lines shown under the message (a log tail, a hint on what to install). */
  readonly details: string | undefined;

  constructor(code: ErrorCode, message: string, options: { details?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ChatlabError';
    this.code = code;
    this.details = options.details;
  }
}

export function isChatlabError(err: unknown, code?: ErrorCode): err is ChatlabError {
  return err instanceof ChatlabError && (code === undefined || err.code === code);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
