/**
 * Rooms for the domains that come next. Each will get its own interface, method table,
 * events and main-side service, and join `LongitudeApi` in contract.ts:
 * - deid: PS3.15 Annex E de-identification and research cohorts.
 */
export type DeidApi = Record<never, never>;
