/**
 * The app shell's dock to the right of the viewer, composing the features: "Lesions" (list, edit, status, history),
 * "Follow-up" (registration to the baseline, lesion matching and its review queue),
 * "Table" (lesions × exams with RECIST 1.1 and volumetry) and "Plots". One fetch of the
 * lesion table feeds them. It can be widened for a tumor board or folded away so the
 * 2×2 viewer gets the whole width back. "Export ▾" on the patient line makes the results that
 * travel (tumor-board report, DICOM SR + SEG, SEG, CSV) and downloads them.
 */
import { useMemo, useState } from 'react';
import { appStore } from '../app/appStore';
import { useStore } from '../app/createStore';
import { formatPersonName } from '../ui/format';
import { LesionPanel, compareLabels, useLesionTable, usePatientFromSeries } from '../features/lesions';
import { AiPanel } from '../features/ai';
import { FollowUpPanel } from '../features/followup';
import { LesionTableView, PlotsView, responseClass } from '../features/report';
import { ExportMenu, ExportNotice, useExports } from '../features/export';
import { PriorsNotice } from '../features/pacs';

type Tab = 'lesions' | 'followup' | 'table' | 'plots' | 'ai';
type Width = 'normal' | 'wide' | 'collapsed';

const TABS: { id: Tab; label: string }[] = [
  { id: 'lesions', label: 'Lesions' },
  { id: 'followup', label: 'Follow-up' },
  { id: 'table', label: 'Table' },
  { id: 'plots', label: 'Plots' },
  { id: 'ai', label: 'AI' },
];

export function Dock() {
  usePatientFromSeries();
  const { patientRowId, data, loading, error, refresh } = useLesionTable();
  const seriesId = useStore(appStore, (s) => s.seriesId);
  const series = useStore(appStore, (s) => s.series);
  const [tab, setTab] = useState<Tab>('lesions');
  const [width, setWidth] = useState<Width>('normal');

  const currentStudyRowId = seriesId === null ? null : (data?.table.exams.find((e) => e.seriesIds.includes(seriesId))?.studyRowId ?? null);
  const colourIndex = useMemo(() => {
    const sorted = [...(data?.table.lesions ?? [])].sort((a, b) => compareLabels(a.label, b.label));
    return new Map(sorted.map((l, i) => [l.id, i]));
  }, [data]);
  const latest = data?.assessment.recist?.timepoints.at(-1) ?? null;
  // Exports act on the dock's patient and the exam of the open series.
  const exports = useExports({ patientRowId, studyRowId: currentStudyRowId });

  if (width === 'collapsed') {
    return (
      <aside className="followup-dock collapsed" data-testid="followup-dock" data-width={width}>
        <button type="button" className="dock-unfold" data-testid="dock-toggle" onClick={() => setWidth('normal')} title="Show lesions, follow-up, table, plots and AI">
          ◂ Lesions · Follow-up · Table · Plots · AI
        </button>
      </aside>
    );
  }

  return (
    <aside className={`followup-dock ${width}`} data-testid="followup-dock" data-width={width} data-patient-row-id={patientRowId ?? ''}>
      <div className="dock-tabs" role="tablist">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            className={`dock-tab${tab === t.id ? ' active' : ''}`}
            data-testid={`tab-${t.id}`}
            onClick={() => setTab(t.id)}
          >
            {t.label}
          </button>
        ))}
        {latest && !latest.baseline && latest.overallResponse && (
          <span className={`${responseClass(latest.overallResponse)} dock-latest`} title={`Latest overall response (${latest.date})`}>
            {latest.overallResponse}
          </span>
        )}
        <span className="dock-spacer" />
        <button type="button" className="icon-button" data-testid="dock-refresh" title="Reload lesions and measurements now (changes from this and other clients arrive by themselves)" disabled={patientRowId === null} onClick={refresh}>
          ↻
        </button>
        <button
          type="button"
          className="icon-button"
          data-testid="dock-wide"
          title={width === 'wide' ? 'Narrow the panel' : 'Widen the panel (tumor board)'}
          aria-pressed={width === 'wide'}
          onClick={() => setWidth(width === 'wide' ? 'normal' : 'wide')}
        >
          {width === 'wide' ? '▸▸' : '◂◂'}
        </button>
        <button type="button" className="icon-button" data-testid="dock-toggle" title="Hide the panel" onClick={() => setWidth('collapsed')}>
          ×
        </button>
      </div>
      {series && (
        <div className="dock-patient" title={`Patient of the open series`}>
          <span className="strong">{formatPersonName(series.patient.name)}</span>
          <span className="dim">
            {series.patient.patientId}
            {series.patient.birthDate ? ` · ${series.patient.birthDate}` : ''}
          </span>
          <span className="dock-spacer" />
          <ExportMenu actions={exports} />
        </div>
      )}
      <ExportNotice actions={exports} />
      {/* Prior studies of this patient on the PACS that the library lacks (asked once per patient). */}
      <PriorsNotice patientRowId={patientRowId} />
      <div className="dock-body">
        {tab === 'lesions' && <LesionPanel patientRowId={patientRowId} data={data} loading={loading} error={error} currentStudyRowId={currentStudyRowId} />}
        {tab === 'ai' && <AiPanel />}
        {tab === 'followup' && <FollowUpPanel patientRowId={patientRowId} data={data} currentStudyRowId={currentStudyRowId} />}
        {(tab === 'table' || tab === 'plots') && patientRowId === null && <div className="empty">Open a series: the table and plots of its patient appear here.</div>}
        {tab !== 'lesions' && tab !== 'ai' && error && <div className="error">{error}</div>}
        {tab === 'table' && data && <LesionTableView data={data} currentStudyRowId={currentStudyRowId} />}
        {tab === 'plots' && data && <PlotsView data={data} colourIndex={colourIndex} />}
      </div>
    </aside>
  );
}
