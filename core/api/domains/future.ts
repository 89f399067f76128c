/**
 * Rooms for the domains that come next. Each will get its own interface, method table,
 * events and main-side service, and join `LongitudeApi` in contract.ts:
 * - export: DICOM SEG and SR TID 1500, the tumor-board report, CSV.
 * - pacs: DICOMweb and DIMSE query/retrieve/store, the C-STORE receiver.
 * - deid: PS3.15 Annex E de-identification and research cohorts.
 */
export type ExportApi = Record<never, never>;
export type PacsApi = Record<never, never>;
export type DeidApi = Record<never, never>;
