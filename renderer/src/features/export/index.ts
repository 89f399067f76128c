/** Results that travel, in the dock: export menu (report, DICOM SR/SEG, CSV), its notice, the report preview. */
import './export.css';

export { ExportMenu } from './ExportMenu';
export { ExportNotice } from './ExportNotice';
export { useExports, type ExportActions, type ExportState, type ExportTarget } from './useExports';
