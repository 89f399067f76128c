/** Lesions of the current patient: the panel, the shared table hook, the patient sync. */
export { LesionPanel, type LesionPanelProps } from './LesionPanel';
export { useLesionTable, type LesionTableState } from './useLesionTable';
export { usePatientFromSeries } from './usePatientFromSeries';
export { compareLabels, diametersText, lesionWhere, ROLE_SHORT, STATUS_LABEL } from './lesionText';
// The lesion the reader works on, shared with the tools, the table and the follow-up.
export { lesionSelection, lesionActions, lesionsChanged, selectLesion, setPatient, type LesionSelectionState } from './lesionStore';
