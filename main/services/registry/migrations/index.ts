import { m0010Initial } from './0010-initial';
import { m0020Lesions } from './0020-lesions';
import { m0030Ai } from './0030-ai';
import { m0050Lineage } from './0050-lineage';
import { m0040Registration } from './0040-registration';
import { m0060Reader } from './0060-reader';
import { m0070Followup } from './0070-followup';
import { m0080AiErrors } from './0080-ai-errors';
import { m0100TrackingUid } from './0100-tracking-uid';
import { m0110Pacs } from './0110-pacs';
import { m0120Cohorts } from './0120-cohorts';
import { m0130Deid } from './0130-deid';

export interface Migration {
  /** Numbered in steps of ten; recorded in PRAGMA user_version. */
  version: number;
  name: string;
  up: string;
}

/** In order. Add a file per migration and list it here. */
export const MIGRATIONS: readonly Migration[] = [m0010Initial, m0020Lesions, m0030Ai, m0040Registration, m0050Lineage, m0060Reader, m0070Followup, m0080AiErrors, m0100TrackingUid, m0110Pacs, m0120Cohorts, m0130Deid];
