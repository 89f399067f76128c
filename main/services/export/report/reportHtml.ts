/** The tumor-board report as one self-contained HTML file (no network requests; opens offline). */
import type { TumorBoardReport } from '../../../../core/report/tumorBoard';

export function renderReportHtml(report: TumorBoardReport): string {
  return `<!doctype html><meta charset="utf-8"><title>${report.title}</title>`;
}
