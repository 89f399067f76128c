/**
 * The library tree: patients → studies → series. Opening a series is one click on it; a series
 * without images (a structured report, a segmentation) shows what it holds instead.
 */
import { useEffect, useState } from 'react';
import type { PatientSummary, SeriesSummary, StudySummary } from '../../../../core/api/types';
import { useApi } from '../../api';
import { appStore } from '../../app/appStore';
import { openSeries } from '../viewer';
import { createStore, useStore } from '../../app/createStore';
import { formatPersonName } from '../../ui/format';
import { SeriesContentPanel } from './SeriesContentPanel';
import { hasImages, placeholderLabel } from './seriesContentText';
import { SeriesThumbnail } from './SeriesThumbnail';

/** Expand everything up front for small libraries; a reader then sees every series at once. */
const AUTO_EXPAND_PATIENTS = 12;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * First run without DICOM at hand: a three-exam demo patient (synthetic contrast CT with liver
 * metastases), measured and matched, so the whole follow-up job can be seen at once. Its state
 * outlives the button: the library stops being empty as soon as the CT is imported, and a step
 * that fails after that must still be shown.
 */
const demoStore = createStore<{ state: 'idle' | 'making' | 'done' | { error: string } }>({ state: 'idle' });

function DemoButton() {
  const api = useApi();
  const state = useStore(demoStore, (s) => s.state);
  return (
    <button
      type="button"
      className="button"
      data-testid="open-demo"
      disabled={state === 'making'}
      onClick={() => {
        demoStore.setState({ state: 'making' });
        api.createDemoPatient().then(
          () => demoStore.setState({ state: 'done' }),
          (e) => demoStore.setState({ state: { error: `Could not make the demo patient: ${describe(e)}` } }),
        );
      }}
    >
      {state === 'making' ? 'Making the demo patient… (about half a minute)' : 'Open a demo patient'}
    </button>
  );
}

/** While the demo patient is made, and when making it failed: shown whether the library is empty or not. */
function DemoStatus() {
  const state = useStore(demoStore, (s) => s.state);
  if (state === 'making') return <div className="dim" data-testid="demo-status">Making the demo patient: importing, segmenting, measuring and matching three exams…</div>;
  if (typeof state === 'object')
    return (
      <div className="error" data-testid="demo-error">
        {state.error}{' '}
        <button type="button" className="button" onClick={() => demoStore.setState({ state: 'idle' })}>
          Dismiss
        </button>
      </div>
    );
  return null;
}

function SeriesItem({ series, studyDate }: { series: SeriesSummary; studyDate: string | null }) {
  const selectedId = useStore(appStore, (s) => s.seriesId);
  // A report or a segmentation is not opened as a volume: a click shows what it holds, under it.
  const images = hasImages(series);
  const [showContent, setShowContent] = useState(false);
  const selected = images ? selectedId === series.id : showContent;
  return (
    <li>
      <button
        type="button"
        className={`series-item${selected ? ' selected' : ''}`}
        data-testid="series-item"
        data-series-id={series.id}
        data-series-uid={series.seriesInstanceUid}
        aria-pressed={selected}
        aria-expanded={images ? undefined : showContent}
        onClick={() => (images ? openSeries(series.id) : setShowContent(!showContent))}
        title={series.warnings.length ? series.warnings.join('\n') : undefined}
      >
        <SeriesThumbnail seriesId={series.id} modality={images ? series.modality : placeholderLabel(series)} images={images} />
        <span className="series-text">
          <span className="series-title">
            <span className="badge">{series.modality}</span>
            {series.seriesNumber !== null && <span className="dim">#{series.seriesNumber}</span>}
            {series.warnings.length > 0 && <span className="warn" aria-label="warnings">⚠</span>}
          </span>
          <span className="series-desc">{series.description || '(no description)'}</span>
          <span className="dim">
            {studyDate ?? 'no date'} · {images ? `${series.sliceCount} slices · ${series.columns}×${series.rows}` : `${series.instanceCount} object${series.instanceCount === 1 ? '' : 's'} · no images`}
          </span>
        </span>
      </button>
      {!images && showContent && <SeriesContentPanel seriesId={series.id} />}
    </li>
  );
}

function StudyNode({ study, libraryRevision }: { study: StudySummary; libraryRevision: number }) {
  const api = useApi();
  const [open, setOpen] = useState(true);
  const [series, setSeries] = useState<SeriesSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!open) return;
    let cancelled = false;
    api
      .listSeries(study.id)
      .then((list) => !cancelled && setSeries(list))
      .catch((e) => !cancelled && setError(describe(e)));
    return () => {
      cancelled = true;
    };
  }, [api, study.id, open, libraryRevision]);

  return (
    <li className="study" data-testid="study-item" data-study-id={study.id}>
      <button type="button" className="tree-row study-row" onClick={() => setOpen(!open)} aria-expanded={open}>
        <span className="caret">{open ? '▾' : '▸'}</span>
        <span className="strong">{study.date ?? 'no date'}</span>
        <span className="study-desc">{study.description || '(no description)'}</span>
        <span className="dim">{study.modalities.join('/')}</span>
      </button>
      {open && (
        <ul className="series-list">
          {error && <li className="error">{error}</li>}
          {series?.map((s) => <SeriesItem key={s.id} series={s} studyDate={study.date} />)}
        </ul>
      )}
    </li>
  );
}

function PatientNode({ patient, defaultOpen, libraryRevision }: { patient: PatientSummary; defaultOpen: boolean; libraryRevision: number }) {
  const api = useApi();
  const [open, setOpen] = useState(defaultOpen);
  const [studies, setStudies] = useState<StudySummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!open) return;
    let cancelled = false;
    api
      .listStudies(patient.id)
      .then((list) => {
        // Newest exam first: follow-up reading starts from the latest study.
        if (!cancelled) setStudies([...list].sort((a, b) => (b.date ?? '').localeCompare(a.date ?? '')));
      })
      .catch((e) => !cancelled && setError(describe(e)));
    return () => {
      cancelled = true;
    };
  }, [api, patient.id, open, libraryRevision]);

  return (
    <li className="patient" data-testid="patient-item" data-patient-id={patient.patientId}>
      <button type="button" className="tree-row patient-row" onClick={() => setOpen(!open)} aria-expanded={open}>
        <span className="caret">{open ? '▾' : '▸'}</span>
        <span className="patient-name">{formatPersonName(patient.name)}</span>
        <span className="dim">
          {patient.patientId}
          {patient.sex ? ` · ${patient.sex}` : ''}
          {patient.birthDate ? ` · ${patient.birthDate}` : ''}
        </span>
      </button>
      {open && (
        <ul className="study-list">
          {error && <li className="error">{error}</li>}
          {studies?.map((s) => <StudyNode key={s.id} study={s} libraryRevision={libraryRevision} />)}
        </ul>
      )}
    </li>
  );
}

export function SeriesBrowser() {
  const api = useApi();
  const libraryRevision = useStore(appStore, (s) => s.libraryRevision);
  const [patients, setPatients] = useState<PatientSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    api
      .listPatients()
      .then((list) => {
        if (cancelled) return;
        setPatients(list);
        setError(null);
      })
      .catch((e) => !cancelled && setError(`Could not list the library: ${describe(e)}`));
    return () => {
      cancelled = true;
    };
  }, [api, libraryRevision]);

  return (
    <section className="browser" data-testid="series-browser" aria-label="Library">
      <h2 className="panel-title">
        Library <span className="dim">{patients ? `${patients.length} patient${patients.length === 1 ? '' : 's'}` : ''}</span>
      </h2>
      {error && <div className="error">{error}</div>}
      <DemoStatus />
      {patients && patients.length === 0 && (
        <div className="empty">
          No studies yet. Import a folder, DICOMDIR or .zip above, or <DemoButton />
        </div>
      )}
      <ul className="patient-list">
        {patients?.map((p) => (
          <PatientNode
            key={p.id}
            patient={p}
            defaultOpen={patients.length <= AUTO_EXPAND_PATIENTS}
            libraryRevision={libraryRevision}
          />
        ))}
      </ul>
    </section>
  );
}
