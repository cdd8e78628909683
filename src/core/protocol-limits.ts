/**
 * The contract's numbers (docs/protocol.md), apart from its zod schemas: a load worker needs the
 * limits but not zod (core/lean).
 */

/** IDLE (extension): no frame from the client within the gateway's idle timeout. */
export const CloseCodes = { TOO_LARGE: 1009, RESTARTING: 1012, IDLE: 4000, RATE_LIMIT: 4008 } as const;
export type CloseCode = (typeof CloseCodes)[keyof typeof CloseCodes];

export const FRAME_LIMIT_DEFAULT_BYTES = 64 * 1024;
export const FRAME_LIMIT_MAX_BYTES = 1024 * 1024;
/** A history page over HTTP when `limit` is not given. */
export const PAGE_LIMIT_DEFAULT = 50;
/** A `sync` page when `limit` is not given (docs/protocol.md: sync default 100, HTTP default 50). */
export const SYNC_LIMIT_DEFAULT = 100;
export const PAGE_LIMIT_MAX = 500;
/** Ids a `sync` may ask to leave out (`skipIds`). */
export const MAX_SKIP_IDS = 1000;
/** Members per conversation: the default cap, and the most a gateway may be configured for. */
export const MEMBERS_CAP_DEFAULT = 10_000;
export const MEMBERS_MAX = 100_000;
