/**
 * Query and retrieve: a node and the fields of a study query (names take DICOM wildcards),
 * the studies it answers newest first with what the library already holds, a study's series
 * (findPacsSeries) to pick from, and Retrieve — the study or the picked series — with its
 * progress (onPacsProgress of the job id made here), Cancel, and what arrived. The library
 * list reloads by itself (onLibraryChanged); the results are asked again after a retrieval
 * so their "in library" badges are right.
 */
import { Fragment, useEffect, useRef, useState, type FormEvent } from 'react';
import type { PacsNode, PacsQuery, PacsSeries, PacsStudy } from '../../../../core/api/domains/pacs';
import { useApi } from '../../api';
import { useStore } from '../../app/createStore';
import { formatPersonName } from '../../ui/format';
import { pacsActions, pacsStore, runRetrieves, type RetrieveItem } from './pacsStore';
import { MODALITIES, buildQuery, countsText, errorText, isoDate, queryText, sortStudies, studyLabel } from './pacsText';
import { RetrieveOutcomes, RetrieveProgress } from './RetrieveStatus';

export const QUERY_SLOT = 'query';

interface Expanded {
  series: PacsSeries[] | null;
  error: string | null;
  selected: string[];
}

function SeriesList({ study, expanded, onToggle }: { study: PacsStudy; expanded: Expanded; onToggle(uid: string): void }) {
  if (expanded.error) return <div className="error">Could not list the series: {expanded.error}</div>;
  if (!expanded.series) return <div className="dim">Listing the series…</div>;
  if (expanded.series.length === 0) return <div className="dim">The PACS lists no series for this study.</div>;
  const sorted = [...expanded.series].sort((a, b) => (a.seriesNumber ?? 1e9) - (b.seriesNumber ?? 1e9));
  return (
    <table className="pacs-series" data-testid="pacs-series-list" data-study-uid={study.studyInstanceUid}>
      <tbody>
        {sorted.map((se) => (
          <tr key={se.seriesInstanceUid} data-testid="pacs-series-row" data-series-uid={se.seriesInstanceUid}>
            <td>
              <input
                type="checkbox"
                data-testid="pacs-series-check"
                aria-label={`Select series ${se.seriesNumber ?? ''} ${se.description}`}
                checked={expanded.selected.includes(se.seriesInstanceUid)}
                onChange={() => onToggle(se.seriesInstanceUid)}
              />
            </td>
            <td className="dim">{se.seriesNumber ?? '—'}</td>
            <td>{se.modality}</td>
            <td className="pacs-desc">{se.description || <span className="dim">(no description)</span>}</td>
            <td className="num">{se.instanceCount === null ? '?' : se.instanceCount} img</td>
            <td>{se.inLibrary && <span className="badge pacs-in-library">in library</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function QueryView({ nodes }: { nodes: PacsNode[] }) {
  const api = useApi();
  const q = useStore(pacsStore, (s) => s.query);
  const slot = useStore(pacsStore, (s) => s.slots[QUERY_SLOT]);
  const [expanded, setExpanded] = useState<Record<string, Expanded>>({});
  const running = slot?.running === true;
  const form = q.form;
  const node = nodes.some((n) => n.name === q.node) ? q.node : (nodes[0]?.name ?? '');

  async function ask(target: { node: string; query: PacsQuery }, quiet = false): Promise<void> {
    if (!quiet) pacsActions.setQuery({ busy: true, error: null });
    try {
      const results = await api.findPacsStudies({ name: target.node, query: target.query });
      pacsActions.setQuery({ asked: target, results: sortStudies(results), busy: false, error: null });
    } catch (e) {
      pacsActions.setQuery({ busy: false, ...(quiet ? {} : { error: `${target.node} did not answer the query: ${errorText(e)}`, results: null, asked: target }) });
    }
  }

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (!node) return;
    const built = buildQuery(form);
    if ('error' in built) {
      pacsActions.setQuery({ error: built.error });
      return;
    }
    setExpanded({});
    await ask({ node, query: built.query });
  }

  async function toggleStudy(study: PacsStudy): Promise<void> {
    const uid = study.studyInstanceUid;
    if (expanded[uid]) {
      setExpanded(({ [uid]: _gone, ...rest }) => rest);
      return;
    }
    const askedNode = q.asked?.node ?? node;
    setExpanded((x) => ({ ...x, [uid]: { series: null, error: null, selected: [] } }));
    try {
      const series = await api.findPacsSeries({ name: askedNode, studyInstanceUid: uid });
      setExpanded((x) => (x[uid] ? { ...x, [uid]: { ...x[uid], series } } : x));
    } catch (e) {
      setExpanded((x) => (x[uid] ? { ...x, [uid]: { ...x[uid], error: errorText(e) } } : x));
    }
  }

  function toggleSeries(studyUid: string, seriesUid: string): void {
    setExpanded((x) => {
      const e = x[studyUid];
      if (!e) return x;
      const selected = e.selected.includes(seriesUid) ? e.selected.filter((s) => s !== seriesUid) : [...e.selected, seriesUid];
      return { ...x, [studyUid]: { ...e, selected } };
    });
  }

  function retrieve(study: PacsStudy, seriesUids: string[]): void {
    const askedNode = q.asked?.node ?? node;
    const item: RetrieveItem = {
      node: askedNode,
      studyInstanceUid: study.studyInstanceUid,
      label: seriesUids.length ? `${studyLabel(study)} (${seriesUids.length} series)` : studyLabel(study),
      ...(seriesUids.length ? { seriesInstanceUids: seriesUids } : {}),
    };
    void runRetrieves(api, QUERY_SLOT, [item]);
  }

  // After a retrieval, ask again (quietly) so the badges say what the library holds now.
  const wasRunning = useRef(false);
  useEffect(() => {
    if (wasRunning.current && !running && q.asked && slot?.outcomes.some((o) => o.ok)) {
      void ask(q.asked, true);
      setExpanded({});
    }
    wasRunning.current = running;
    // `ask` and `q.asked` are read at the moment the retrieval ends; the effect follows `running` only.
  }, [running]);

  const results = q.results;
  return (
    <div className="pacs-query" data-testid="pacs-query-view">
      <form className="pacs-form pacs-query-form" data-testid="pacs-query-form" onSubmit={(e) => void submit(e)}>
        <div className="pacs-field-row">
          <label className="pacs-field">
            <span className="dim">PACS</span>
            <select className="pacs-input" data-testid="pacs-query-node" value={node} onChange={(e) => pacsActions.setQuery({ node: e.target.value })}>
              {nodes.map((n) => (
                <option key={n.id} value={n.name}>
                  {n.name}
                </option>
              ))}
            </select>
          </label>
          <label className="pacs-field">
            <span className="dim">Patient ID</span>
            <input className="pacs-input" data-testid="pacs-query-patient-id" value={form.patientId} onChange={(e) => pacsActions.setQueryForm({ patientId: e.target.value })} spellCheck={false} />
          </label>
          <label className="pacs-field grow">
            <span className="dim">Patient name</span>
            <input
              className="pacs-input"
              data-testid="pacs-query-patient-name"
              value={form.patientName}
              onChange={(e) => pacsActions.setQueryForm({ patientName: e.target.value })}
              placeholder="DOE*  (* and ? are wildcards)"
              title="Family^Given; * matches any text, ? one character: DOE* finds every DOE"
              spellCheck={false}
            />
          </label>
          <label className="pacs-field">
            <span className="dim">Birth date</span>
            <input className="pacs-input" type="date" data-testid="pacs-query-birth-date" value={form.birthDate} onChange={(e) => pacsActions.setQueryForm({ birthDate: e.target.value })} />
          </label>
        </div>
        <div className="pacs-field-row">
          <label className="pacs-field">
            <span className="dim">Study date from</span>
            <input className="pacs-input" type="date" data-testid="pacs-query-from" value={form.studyFrom} onChange={(e) => pacsActions.setQueryForm({ studyFrom: e.target.value })} />
          </label>
          <label className="pacs-field">
            <span className="dim">to</span>
            <input className="pacs-input" type="date" data-testid="pacs-query-to" value={form.studyTo} onChange={(e) => pacsActions.setQueryForm({ studyTo: e.target.value })} />
          </label>
          <label className="pacs-field">
            <span className="dim">Modality</span>
            <select className="pacs-input" data-testid="pacs-query-modality" value={form.modality} onChange={(e) => pacsActions.setQueryForm({ modality: e.target.value })}>
              {MODALITIES.map((m) => (
                <option key={m} value={m}>
                  {m || 'any'}
                </option>
              ))}
            </select>
          </label>
          <label className="pacs-field">
            <span className="dim">Accession</span>
            <input className="pacs-input" data-testid="pacs-query-accession" value={form.accessionNumber} onChange={(e) => pacsActions.setQueryForm({ accessionNumber: e.target.value })} spellCheck={false} />
          </label>
          <span className="dock-spacer" />
          <button type="submit" className="button primary pacs-query-submit" data-testid="pacs-query-submit" disabled={!node || q.busy}>
            {q.busy ? 'Asking…' : 'Search'}
          </button>
        </div>
      </form>

      {q.error && (
        <div className="error" data-testid="pacs-query-error" role="alert">
          {q.error}
        </div>
      )}

      {slot?.running && <RetrieveProgress slot={slot} slotKey={QUERY_SLOT} />}
      {slot && <RetrieveOutcomes slot={slot} slotKey={QUERY_SLOT} />}

      {results && q.asked && (
        <div className="pacs-results" data-testid="pacs-results" data-count={results.length}>
          <div className="dim pacs-results-head">
            {results.length} stud{results.length === 1 ? 'y' : 'ies'} on {q.asked.node} for {queryText(q.asked.query) || 'everything'}
          </div>
          {results.length > 0 && (
            <table className="pacs-table">
              <thead>
                <tr>
                  <th />
                  <th>Date</th>
                  <th>Patient ID</th>
                  <th>Name</th>
                  <th>Modalities</th>
                  <th>Series · images</th>
                  <th>Description</th>
                  <th />
                  <th />
                </tr>
              </thead>
              <tbody>
                {results.map((s) => {
                  const ex = expanded[s.studyInstanceUid];
                  return (
                    <Fragment key={s.studyInstanceUid}>
                      <tr className={ex ? 'pacs-study open' : 'pacs-study'} data-testid="pacs-study-row" data-study-uid={s.studyInstanceUid} data-in-library={s.inLibrary}>
                        <td>
                          <button
                            type="button"
                            className="icon-button"
                            data-testid="pacs-study-expand"
                            aria-expanded={Boolean(ex)}
                            title={ex ? 'Hide the series' : 'List the series'}
                            onClick={() => void toggleStudy(s)}
                          >
                            {ex ? '▾' : '▸'}
                          </button>
                        </td>
                        <td className="num">{isoDate(s.studyDate)}</td>
                        <td>{s.patientId}</td>
                        <td>{formatPersonName(s.patientName)}</td>
                        <td>{s.modalities.join(', ')}</td>
                        <td className="num">{countsText(s)}</td>
                        <td className="pacs-desc" title={s.accessionNumber ? `Accession ${s.accessionNumber}` : undefined}>
                          {s.description || <span className="dim">(no description)</span>}
                        </td>
                        <td>{s.inLibrary && <span className="badge pacs-in-library" data-testid="pacs-in-library">in library</span>}</td>
                        <td>
                          <button type="button" className="button" data-testid="pacs-retrieve-study" disabled={running} onClick={() => retrieve(s, [])} title="Retrieve the whole study into the library">
                            Retrieve
                          </button>
                        </td>
                      </tr>
                      {ex && (
                        <tr className="pacs-series-host">
                          <td />
                          <td colSpan={8}>
                            <SeriesList study={s} expanded={ex} onToggle={(uid) => toggleSeries(s.studyInstanceUid, uid)} />
                            {ex.series && ex.series.length > 0 && (
                              <div className="pacs-row">
                                <button
                                  type="button"
                                  className="button"
                                  data-testid="pacs-retrieve-series"
                                  disabled={running || ex.selected.length === 0}
                                  onClick={() => retrieve(s, ex.selected)}
                                >
                                  Retrieve {ex.selected.length || ''} selected series
                                </button>
                                <button
                                  type="button"
                                  className="link"
                                  onClick={() => setExpanded((x) => ({ ...x, [s.studyInstanceUid]: { ...ex, selected: ex.selected.length ? [] : ex.series!.map((se) => se.seriesInstanceUid) } }))}
                                >
                                  {ex.selected.length ? 'Select none' : 'Select all'}
                                </button>
                              </div>
                            )}
                          </td>
                        </tr>
                      )}
                    </Fragment>
                  );
                })}
              </tbody>
            </table>
          )}
        </div>
      )}
    </div>
  );
}
