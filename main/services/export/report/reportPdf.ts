/** The tumor-board report as PDF, made in the main process (both shells, serve mode included). */
import type { TumorBoardReport } from '../../../../core/report/tumorBoard';

export async function renderReportPdf(report: TumorBoardReport): Promise<{ bytes: Buffer; pages: number }> {
  void report;
  throw new Error('not yet');
}
