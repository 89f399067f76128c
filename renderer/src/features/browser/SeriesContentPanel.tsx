/**
 * What a series without images holds, shown under it in the library when it is clicked: a
 * structured report's measurement groups, or a SEG's segments with their volumes. A SEG can be
 * shown on its CT: its segments are placed as masks (on the lesions with their Tracking UIDs, new
 * lesions keeping the UID otherwise; the liver as the liver mask), then the CT opens with them.
 * A report can be imported into the lesions (measurements, and the masks of the SEG it refers to).
 */
import { useEffect, useState } from 'react';
import type { SeriesContent } from '../../../../core/api/domains/library';
import type { SrImportResult } from '../../../../core/api/domains/export';
import type { SegPlacementResult } from '../../../../core/api/domains/segmentation';
import { useApi } from '../../api';
import { openSeries } from '../viewer';
import { groupLines, placementSummary, segmentLines } from './seriesContentText';

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function Skipped({ lines }: { lines: string[] }) {
  if (!lines.length) return null;
  return (
    <details className="content-skipped">
      <summary className="dim">
        {lines.length} not placed — why
      </summary>
      <ul>
        {lines.map((l, i) => (
          <li key={i}>{l}</li>
        ))}
      </ul>
    </details>
  );
}

function SrView({ content }: { content: SeriesContent }) {
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<SrImportResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const sr = content.sr!;
  return (
    <>
      {sr.documents.map((d) => (
        <div key={d.sopInstanceUid} className="content-doc">
          <div className="strong">{d.title}</div>
          <div className="dim">
            {[...d.personObservers, ...d.deviceObservers].join(', ') || 'no observer named'}
            {d.timePoints.length ? ` · ${d.timePoints.join(', ')}` : ''}
            {d.verificationFlag ? ` · ${d.verificationFlag.toLowerCase()}` : ''}
          </div>
          <ul className="content-list" aria-label="Measurement groups">
            {d.groups.map((g, i) => {
              const t = groupLines(g);
              return (
                <li key={i} data-testid="content-group" title={g.trackingUid ?? undefined}>
                  <span className="content-title">{t.title}</span>
                  <span className="dim">{t.detail}</span>
                </li>
              );
            })}
          </ul>
        </div>
      ))}
      {sr.problems.map((p) => (
        <div key={p} className="error">
          {p}
        </div>
      ))}
      {sr.documents.length > 0 && (
        <button
          type="button"
          className="button"
          data-testid="import-report"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            setError(null);
            api
              .importSrMeasurements({ seriesId: content.seriesId })
              .then(setResult, (e) => setError(describe(e)))
              .finally(() => setBusy(false));
          }}
        >
          {busy ? 'Importing…' : 'Import into lesions'}
        </button>
      )}
      {result && (
        <div className="content-result" data-testid="import-report-result">
          {result.lesionsCreated.length + result.lesionsMatched.length} lesion{result.lesionsCreated.length + result.lesionsMatched.length === 1 ? '' : 's'}
          {result.lesionsCreated.length ? ` (new: ${result.lesionsCreated.join(', ')})` : ''}, {result.measurements} measurement{result.measurements === 1 ? '' : 's'} and {result.masks} mask
          {result.masks === 1 ? '' : 's'} added.
          <Skipped lines={result.skipped} />
        </div>
      )}
      {error && <div className="error">{error}</div>}
    </>
  );
}

function SegView({ content }: { content: SeriesContent }) {
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<SegPlacementResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const seg = content.seg!;
  const ct = seg.referencedSeries.find((r) => r.seriesId === seg.targetSeriesId);
  return (
    <>
      <div className="dim">
        {seg.segmentationType.toLowerCase()} · {seg.frames} frame{seg.frames === 1 ? '' : 's'} · made from{' '}
        {seg.targetSeriesId !== null ? (ct?.description ? `"${ct.description}"` : 'a series in the library') : 'images not in the library'}
      </div>
      <ul className="content-list" aria-label="Segments">
        {seg.segments.map((s) => {
          const t = segmentLines(s);
          return (
            <li key={s.segmentNumber} data-testid="content-segment" title={s.trackingUid ?? undefined}>
              <span className="content-title">{t.title}</span>
              <span className="dim">{t.detail}</span>
            </li>
          );
        })}
      </ul>
      {seg.volumesFrom === 'seg' && <div className="dim">Volumes from the segmentation's own frame spacing.</div>}
      {seg.warnings.map((w) => (
        <div key={w} className="warn-text">
          {w}
        </div>
      ))}
      <button
        type="button"
        className="button primary"
        data-testid="place-on-ct"
        disabled={busy || seg.targetSeriesId === null}
        title={seg.targetSeriesId === null ? 'The CT it was made on is not in the library' : 'Place the segments as masks on the CT and open it'}
        onClick={() => {
          setBusy(true);
          setError(null);
          api
            .importSegMasks({ seriesId: content.seriesId })
            .then((r) => {
              setResult(r);
              if (r.targetSeriesId !== null) openSeries(r.targetSeriesId);
            }, (e) => setError(describe(e)))
            .finally(() => setBusy(false));
        }}
      >
        {busy ? 'Placing…' : 'Show on CT'}
      </button>
      {result && (
        <div className="content-result" data-testid="place-on-ct-result">
          {placementSummary(result)}
          <Skipped lines={result.skipped} />
        </div>
      )}
      {error && <div className="error">{error}</div>}
    </>
  );
}

export function SeriesContentPanel({ seriesId }: { seriesId: number }) {
  const api = useApi();
  const [content, setContent] = useState<SeriesContent | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    api
      .describeSeriesContent({ seriesId })
      .then((c) => !cancelled && setContent(c))
      .catch((e) => !cancelled && setError(describe(e)));
    return () => {
      cancelled = true;
    };
  }, [api, seriesId]);

  return (
    <div className="series-content" data-testid="series-content" data-series-id={seriesId}>
      {error && <div className="error">{error}</div>}
      {!content && !error && <div className="dim">Reading…</div>}
      {content?.sr && <SrView content={content} />}
      {content?.seg && <SegView content={content} />}
      {content && !content.sr && !content.seg && <div className="dim">This series holds no images, report or segmentation Longitude can show.</div>}
    </div>
  );
}
