/**
 * Which domain owns which registry table, and the one file that writes it. Any other
 * domain changes a table through the owner's functions. `tableOwners.test.ts` reads every
 * source file of main/ and fails when a file writes a table it does not own, or when a
 * migration creates a table with no owner here. docs/architecture.md shows the same table.
 */
export const TABLE_OWNERS = {
  patients: { domain: 'library', file: 'main/services/library/catalog.ts' },
  studies: { domain: 'library', file: 'main/services/library/catalog.ts' },
  series: { domain: 'library', file: 'main/services/library/catalog.ts' },
  instances: { domain: 'library', file: 'main/services/library/catalog.ts' },
  lesions: { domain: 'lesions', file: 'main/services/lesions/lesionStore.ts' },
  measurements: { domain: 'lesions', file: 'main/services/lesions/lesionStore.ts' },
  lesion_assessments: { domain: 'lesions', file: 'main/services/lesions/lesionStore.ts' },
  measurements_of_record: { domain: 'lesions', file: 'main/services/lesions/lesionStore.ts' },
  exam_signoffs: { domain: 'lesions', file: 'main/services/lesions/signoffStore.ts' },
  segmentations: { domain: 'segmentation', file: 'main/services/segmentation/segmentationStore.ts' },
  ai_runs: { domain: 'ai', file: 'main/services/inference/aiService.ts' },
  ai_proposals: { domain: 'ai', file: 'main/services/inference/aiService.ts' },
  ai_agreement: { domain: 'ai', file: 'main/services/inference/aiService.ts' },
  ai_validations: { domain: 'ai', file: 'main/services/inference/validation.ts' },
  registrations: { domain: 'follow-up', file: 'main/services/registration/registrationStore.ts' },
  lesion_links: { domain: 'follow-up', file: 'main/services/followup/followUpStore.ts' },
  lesion_lineage: { domain: 'follow-up', file: 'main/services/followup/followUpStore.ts' },
  followup_findings: { domain: 'follow-up', file: 'main/services/followup/followUpStore.ts' },
  audit_log: { domain: 'audit', file: 'main/services/audit/auditLog.ts' },
  pacs_nodes: { domain: 'pacs', file: 'main/services/pacs/pacsStore.ts' },
  pacs_settings: { domain: 'pacs', file: 'main/services/pacs/pacsStore.ts' },
  pacs_transfers: { domain: 'pacs', file: 'main/services/pacs/pacsStore.ts' },
  cohorts: { domain: 'cohorts', file: 'main/services/cohorts/cohortStore.ts' },
  deid_site: { domain: 'deid', file: 'main/services/deid/deidStore.ts' },
  deid_pseudonyms: { domain: 'deid', file: 'main/services/deid/deidStore.ts' },
} as const;

export type TableName = keyof typeof TABLE_OWNERS;
