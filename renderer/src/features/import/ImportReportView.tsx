import { useState } from 'react';
import type { ImportFileResult, ImportReport } from '../../../../core/api/types';
import { openSeries } from '../viewer';

const OUTCOME_ORDER: Record<ImportFileResult['outcome'], number> = { skipped: 0, duplicate: 1, imported: 2 };
/** Long imports list thousands of files; show the first ones and say how many more. */
const MAX_FILE_ROWS = 300;

export function ImportReportView({
  report,
  uploadFailures,
  onClose,
}: {
  report: ImportReport;
  uploadFailures: string[];
  onClose(): void;
}) {
  // Open by default when something needs attention.
  const [showFiles, setShowFiles] = useState(report.skipped > 0);
  const files = [...report.files].sort((a, b) => OUTCOME_ORDER[a.outcome] - OUTCOME_ORDER[b.outcome]);

  return (
    <div
      className="import-report"
      data-testid="import-report"
      data-imported={report.imported}
      data-duplicates={report.duplicates}
      data-skipped={report.skipped}
    >
      <div className="import-report-head">
        <span className="strong">Import finished</span>
        <span className="dim">{(report.durationMs / 1000).toFixed(1)} s</span>
        <button type="button" className="icon-button" onClick={onClose} aria-label="Close import report">
          ×
        </button>
      </div>
      <div className="import-counts">
        <span className="count ok" data-testid="import-count-imported">{report.imported} imported</span>
        <span className="count dup" data-testid="import-count-duplicates">{report.duplicates} duplicate</span>
        <span className={`count ${report.skipped ? 'bad' : ''}`} data-testid="import-count-skipped">{report.skipped} skipped</span>
      </div>
      {uploadFailures.length > 0 && (
        <div className="error">
          {uploadFailures.length} file(s) could not be uploaded and were not imported:
          <ul>
            {uploadFailures.slice(0, 20).map((f) => <li key={f}>{f}</li>)}
          </ul>
        </div>
      )}
      {report.series.length > 0 && (
        <ul className="import-series">
          {report.series.map((s) => (
            <li key={s.id}>
              <button type="button" className="link" onClick={() => openSeries(s.id)} data-testid="import-series-open" data-series-id={s.id}>
                {s.description || '(no description)'}
              </button>{' '}
              <span className="dim">{s.sliceCount} slices</span>
              {s.warnings.map((w) => (
                <div key={w} className="warn-text">⚠ {w}</div>
              ))}
            </li>
          ))}
        </ul>
      )}
      {report.files.length > 0 && (
        <button type="button" className="link" onClick={() => setShowFiles(!showFiles)}>
          {showFiles ? 'Hide' : 'Show'} {report.files.length} file{report.files.length === 1 ? '' : 's'}
        </button>
      )}
      {showFiles && (
        <table className="import-files">
          <tbody>
            {files.slice(0, MAX_FILE_ROWS).map((f, index) => (
              <tr key={`${f.file}#${index}`} data-testid="import-file" data-outcome={f.outcome}>
                <td className={`outcome outcome-${f.outcome}`}>{f.outcome}</td>
                <td className="file" title={f.file}>
                  {f.file}
                  {f.reason && <div className="reason">{f.reason}</div>}
                </td>
              </tr>
            ))}
            {files.length > MAX_FILE_ROWS && (
              <tr>
                <td colSpan={2} className="dim">
                  … and {files.length - MAX_FILE_ROWS} more
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </div>
  );
}
