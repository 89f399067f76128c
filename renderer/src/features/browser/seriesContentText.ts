/**
 * Words for what a non-image series holds (a structured report's measurement groups, a SEG's
 * segments) and for what placing a SEG on its CT did. Pure, so it is tested without a browser.
 */
import type { ContentCode, SegSegmentContent, SrGroupContent } from '../../../../core/api/domains/library';
import type { SegPlacementResult } from '../../../../core/api/domains/segmentation';
import type { SeriesSummary } from '../../../../core/api/types';

/** A series the viewer can open: it has image slices. A report or a segmentation has none (and no thumbnail to ask for). */
export function hasImages(series: Pick<SeriesSummary, 'sliceCount'>): boolean {
  return series.sliceCount > 0;
}

/** The label a series without images shows in place of a thumbnail. */
export function placeholderLabel(series: Pick<SeriesSummary, 'modality'>): string {
  return series.modality || 'no images';
}

const code = (c: ContentCode | null) => c?.meaning || c?.value || null;
const mm = (v: number) => `${Number(v.toFixed(1))} mm`;

/** Millilitres with the digits a reader needs: 2 decimals under 10 mL, 1 above. */
export function formatMl(v: number | null): string {
  if (v === null) return '—';
  return `${v < 10 ? v.toFixed(2) : v.toFixed(1)} mL`;
}

/** A measurement group in two lines: who it follows and what was found, then the numbers. */
export function groupLines(g: SrGroupContent): { title: string; detail: string } {
  const title = [g.trackingId ?? 'untracked', code(g.finding), code(g.findingSite)].filter(Boolean).join(' · ');
  const numbers = [
    g.longAxisMm !== null ? `long ${mm(g.longAxisMm)}` : null,
    g.shortAxisMm !== null ? `short ${mm(g.shortAxisMm)}` : null,
    g.volumeMl !== null ? formatMl(g.volumeMl) : null,
    g.referencedSegment ? `segment ${g.referencedSegment.segmentNumber ?? '?'}${g.referencedSegment.seriesId === null ? ' (SEG not in the library)' : ''}` : null,
  ].filter(Boolean);
  const others = numbers.length ? [] : g.measurements.slice(0, 2).map((m) => `${m.name} ${Number(m.value.toPrecision(4))}${m.unit ? ` ${m.unit}` : ''}`);
  return { title, detail: [...numbers, ...others].join(' · ') || 'no measurement' };
}

/** A segment in two lines: number, label and what it is; then algorithm, tracking, frames and volume. */
export function segmentLines(s: SegSegmentContent): { title: string; detail: string } {
  const what = code(s.type);
  return {
    title: `${s.segmentNumber} ${s.label}${what && what !== s.label ? ` · ${what}` : ''}`,
    detail: [s.algorithmType || null, s.trackingId && s.trackingId !== s.label ? `tracked as ${s.trackingId}` : null, `${s.frames} frame${s.frames === 1 ? '' : 's'}`, formatMl(s.volumeMl)].filter(Boolean).join(' · '),
  };
}

/** What "Show on CT" did, in one line. */
export function placementSummary(r: SegPlacementResult): string {
  if (r.targetSeriesId === null) return 'Not placed: the CT it was made on is not in the library.';
  const parts = [
    r.masks ? `${r.masks} mask${r.masks === 1 ? '' : 's'} placed` : 'every mask was already placed',
    r.lesionsCreated.length ? `new lesion${r.lesionsCreated.length === 1 ? '' : 's'} ${r.lesionsCreated.join(', ')}` : null,
    r.lesionsMatched.length ? `on ${r.lesionsMatched.join(', ')}` : null,
    r.skipped.length ? `${r.skipped.length} segment${r.skipped.length === 1 ? '' : 's'} skipped` : null,
  ].filter(Boolean);
  return `${parts.join('; ')}.`;
}
