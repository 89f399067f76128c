/**
 * The tumor-board plots (spider, waterfall, volume) as figures of drawing primitives, from the
 * lesion table and its assessment (see plotData.ts for the numbers; figure.ts for the primitives).
 */
import type { LesionTable } from '../api/types';
import type { Figure } from './figure';

/** Spider, waterfall and volume plots of a patient; a plot without data is left out. */
export function reportFigures(table: LesionTable): Figure[] {
  void table;
  return [];
}
