/**
 * Keeps the lesion selection's patient in step with the series open in the viewer. The
 * series detail names the patient by DICOM PatientID; the registry row id comes from the
 * patient list (the same list the library browser shows).
 */
import { useEffect } from 'react';
import { useApi } from '../../api';
import { appStore } from '../../app/appStore';
import { useStore } from '../../app/createStore';
import { setPatient } from './lesionStore';

export function usePatientFromSeries(): void {
  const api = useApi();
  const series = useStore(appStore, (s) => s.series);
  const libraryRevision = useStore(appStore, (s) => s.libraryRevision);
  const patientId = series?.patient.patientId ?? null;
  const patientName = series?.patient.name ?? null;

  useEffect(() => {
    // No series open (or one still opening): keep the current patient on screen.
    if (patientId === null) return;
    let cancelled = false;
    api.listPatients().then(
      (patients) => {
        if (cancelled) return;
        const sameId = patients.filter((p) => p.patientId === patientId);
        const match = sameId.find((p) => p.name === patientName) ?? sameId[0];
        if (match) setPatient(match.id);
      },
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [api, patientId, patientName, libraryRevision]);
}
