/**
 * Side-by-side reading of two exams of the patient: which series to compare the open one
 * with, the layout switch, and whether scrolling one exam scrolls the other — through their
 * registration when there is one (features/followup), else by table position.
 */
import { useEffect, useState } from 'react';
import { useApi } from '../../api';
import { appStore } from '../../app/appStore';
import { useStore } from '../../app/createStore';
import { lesionSelection } from '../lesions';
import { viewportActions, viewportStore } from '../viewer';
import { CompareLinkLabel, useRegistrationSync } from '../followup';
import { HANGING_RULES, hangingStore, setHangingRule, type HangingRule } from './hangingRule';

interface CompareOption {
  seriesId: number;
  studyRowId: number;
  date: string | null;
  label: string;
}

export function CompareControls() {
  const api = useApi();
  const patientRowId = useStore(lesionSelection, (s) => s.patientRowId);
  const series = useStore(appStore, (s) => s.series);
  const libraryRevision = useStore(appStore, (s) => s.libraryRevision);
  const layout = useStore(viewportStore, (s) => s.layout);
  const compareSeriesId = useStore(viewportStore, (s) => s.compareSeriesId);
  const syncScroll = useStore(viewportStore, (s) => s.syncScroll);
  const hanging = useStore(hangingStore, (s) => s.rule);
  const [options, setOptions] = useState<CompareOption[] | null>(null);
  useRegistrationSync();

  useEffect(() => {
    setOptions(null);
    if (patientRowId === null || !series) return;
    let cancelled = false;
    void (async () => {
      const studies = await api.listStudies(patientRowId);
      const out: CompareOption[] = [];
      for (const study of studies) {
        for (const s of await api.listSeries(study.id)) {
          if (s.modality !== 'CT' || s.id === series.id) continue;
          out.push({
            seriesId: s.id,
            studyRowId: study.id,
            date: study.date,
            label: `${study.date ?? 'no date'} · ${s.description || study.description || 'CT'}${s.seriesNumber !== null ? ` #${s.seriesNumber}` : ''} · ${s.sliceCount} im`,
          });
        }
      }
      // Other exams first, newest first: the usual comparison is with the previous exam.
      out.sort((a, b) => Number(a.studyRowId === series.studyRowId) - Number(b.studyRowId === series.studyRowId) || (b.date ?? '').localeCompare(a.date ?? ''));
      if (!cancelled) setOptions(out);
    })().catch(() => !cancelled && setOptions([]));
    return () => {
      cancelled = true;
    };
  }, [api, patientRowId, series, libraryRevision]);

  // A comparison with a series of another patient (or the one now open) ends.
  useEffect(() => {
    if (options && compareSeriesId !== null && !options.some((o) => o.seriesId === compareSeriesId)) viewportActions.endCompare();
  }, [options, compareSeriesId]);

  const available = (options?.length ?? 0) > 0;
  const toggle = (): void => {
    if (layout === 'compare') viewportActions.setLayout('single');
    else if (compareSeriesId !== null) viewportActions.setLayout('compare');
    else if (options?.[0]) viewportActions.chooseCompareSeries(options[0].seriesId);
  };

  return (
    <div className="tool-group" aria-label="Compare exams">
      <button
        type="button"
        className={`button${layout === 'compare' ? ' active' : ''}`}
        data-testid="layout-compare"
        aria-pressed={layout === 'compare'}
        disabled={!available && layout !== 'compare'}
        title={available ? 'Baseline and follow-up side by side, scrolled together (through their registration when there is one, else by table position)' : 'The patient has no other CT series to compare with'}
        onClick={toggle}
      >
        Compare
      </button>
      <select
        className="compare-select"
        data-testid="compare-series-select"
        value={compareSeriesId ?? ''}
        disabled={!available}
        aria-label="Series to compare with"
        onChange={(event) => viewportActions.chooseCompareSeries(event.target.value === '' ? null : Number(event.target.value))}
      >
        <option value="">{available ? 'Compare with…' : options ? 'No other CT series' : '…'}</option>
        {options?.map((o) => (
          <option key={o.seriesId} value={o.seriesId}>
            {o.label}
          </option>
        ))}
      </select>
      {layout === 'compare' && (
        <label className="compare-sync" title="Scrolling one exam shows the same place in the other: through the registration, or the same table position (z) without one">
          <input type="checkbox" data-testid="sync-scroll" checked={syncScroll} onChange={(e) => viewportActions.setSyncScroll(e.target.checked)} />
          Link scroll
        </label>
      )}
      {layout === 'compare' && syncScroll && <CompareLinkLabel />}
      <label className="compare-hanging" title={`Hanging rule: how an exam opens. ${HANGING_RULES.find((r) => r.id === hanging)?.hint ?? ''}`}>
        <span className="dim">Hanging</span>
        <select
          className="compare-select"
          data-testid="hanging-rule"
          value={hanging}
          aria-label="Hanging rule: how an exam opens"
          onChange={(event) => setHangingRule(event.target.value as HangingRule)}
        >
          {HANGING_RULES.map((r) => (
            <option key={r.id} value={r.id} title={r.hint}>
              {r.label}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
