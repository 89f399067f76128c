import type { Migration } from './index';

/**
 * A stable Tracking Unique Identifier per lesion (PS3.3 C.8.20.4 TrackingUID; TID 1500 item
 * 112040): the same UID for the same lesion in every exam's SEG and SR, so any other system can
 * follow the lesion across exams. New lesions get one when they are created; lesions written
 * before this version get theirs the first time they are exported (UIDs cannot be minted in SQL).
 */
export const m0100TrackingUid: Migration = {
  version: 100,
  name: 'tracking-uid',
  up: `
    ALTER TABLE lesions ADD COLUMN tracking_uid TEXT;
    CREATE UNIQUE INDEX lesions_tracking_uid ON lesions(tracking_uid) WHERE tracking_uid IS NOT NULL;
  `,
};
