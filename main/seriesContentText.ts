/**
 * `longitude series <id>` for a series that is not an image volume: a structured report's document
 * and measurement groups, or a SEG's segments with their volumes, as text (`--json` prints the
 * `describeSeriesContent` result itself).
 */
import type { ContentCode, SegContent, SeriesContent, SrContent } from '../core/api/domains/library';

const num = (v: number, digits: number) => Number(v.toFixed(digits)).toString();
const codeText = (c: ContentCode | null) => c?.meaning || c?.value || null;
const dicomDate = (d: string | null) => (d && /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` : d);

function srText(sr: SrContent): string[] {
  const lines: string[] = [];
  for (const d of sr.documents) {
    const observers = [...d.personObservers, ...d.deviceObservers];
    lines.push(
      `  report "${d.title}"${d.templateId ? ` (TID ${d.templateId})` : ''}` +
        `, observer ${observers.length ? observers.join(', ') : 'not named'}` +
        `, time point ${d.timePoints.length ? d.timePoints.join(', ') : 'not given'}` +
        (d.contentDate ? `, ${dicomDate(d.contentDate)}` : '') +
        (d.verificationFlag ? `, ${d.verificationFlag}` : ''),
      `  ${d.groups.length} measurement group${d.groups.length === 1 ? '' : 's'}:`,
    );
    for (const g of d.groups) {
      const parts = [
        g.trackingId ?? '(no tracking id)',
        g.trackingUid ? `UID ${g.trackingUid}` : null,
        codeText(g.finding) ? `finding ${codeText(g.finding)}` : null,
        codeText(g.findingSite) ? `site ${codeText(g.findingSite)}` : null,
        g.longAxisMm !== null ? `long axis ${num(g.longAxisMm, 2)} mm` : null,
        g.shortAxisMm !== null ? `short axis ${num(g.shortAxisMm, 2)} mm` : null,
        g.volumeMl !== null ? `volume ${num(g.volumeMl, 3)} mL` : null,
        g.referencedSegment
          ? `segment ${g.referencedSegment.segmentNumber ?? '?'} of ${g.referencedSegment.seriesId !== null ? `SEG series ${g.referencedSegment.seriesId}` : `${g.referencedSegment.sopInstanceUid} (not in the library)`}`
          : null,
      ];
      lines.push(`    ${parts.filter((p) => p !== null).join(' · ')}`);
    }
  }
  for (const p of sr.problems) lines.push(`  problem: ${p}`);
  return lines;
}

function segText(seg: SegContent): string[] {
  const refs = seg.referencedSeries.map((r) => (r.seriesId !== null ? `series ${r.seriesId}${r.description ? ` "${r.description}"` : ''}` : `${r.seriesInstanceUid} (not in the library)`));
  const lines = [
    `  ${seg.segmentationType} segmentation, ${seg.columns}×${seg.rows}, ${seg.frames} frame${seg.frames === 1 ? '' : 's'}, made from ${refs.length ? refs.join(', ') : 'no series named'}`,
    `  volumes ${seg.volumesFrom === 'ct' ? `on the grid of series ${seg.targetSeriesId}` : seg.volumesFrom === 'seg' ? "from the SEG's own frame spacing" : 'unknown (no voxel size)'}`,
    `  ${seg.segments.length} segment${seg.segments.length === 1 ? '' : 's'}:`,
  ];
  for (const s of seg.segments) {
    const parts = [
      `${s.segmentNumber} "${s.label}"`,
      [codeText(s.category), codeText(s.type)].filter(Boolean).join(' / ') || null,
      `${s.algorithmType || 'algorithm type not given'}${s.algorithmName ? ` (${s.algorithmName})` : ''}`,
      s.trackingId ? `tracking id ${s.trackingId}` : null,
      s.trackingUid ? `UID ${s.trackingUid}` : null,
      `${s.frames} frame${s.frames === 1 ? '' : 's'}`,
      `${s.voxels} voxels`,
      s.volumeMl !== null ? `${num(s.volumeMl, 3)} mL` : null,
    ];
    lines.push(`    ${parts.filter((p) => p !== null).join(' · ')}`);
  }
  for (const w of seg.warnings) lines.push(`  warning: ${w}`);
  return lines;
}

export function seriesContentText(c: SeriesContent): string {
  return [`series ${c.seriesId}: ${c.modality} "${c.description}"`, ...(c.sr ? srText(c.sr) : []), ...(c.seg ? segText(c.seg) : [])].join('\n');
}
