/**
 * The readout next to a measurement, as a radiologist reads it: lesion label and
 * diameters on the first line ("L1  32.0 × 20.1 mm"), ROI area and HU statistics below.
 */
import type { HuStats, MeasurementKind } from '../../../../core/api/types';

export interface MeasurementFigures {
  longAxisMm: number | null;
  shortAxisMm: number | null;
  areaMm2: number | null;
  hu: HuStats | null;
}

const mm = (v: number): string => v.toFixed(1);
const hu = (v: number): string => `${Math.round(v)}`.replace('-', '−');

export function formatArea(areaMm2: number): string {
  return areaMm2 >= 100 ? `${(areaMm2 / 100).toFixed(2)} cm²` : `${areaMm2.toFixed(1)} mm²`;
}

/** Lines of the readout: the headline, then (ROIs) area and HU. */
export function measurementLines(lesionLabel: string, kind: MeasurementKind, f: MeasurementFigures): string[] {
  const head = lesionLabel ? `${lesionLabel}  ` : '';
  const lines: string[] = [];
  switch (kind) {
    case 'length':
      lines.push(`${head}${f.longAxisMm !== null ? `${mm(f.longAxisMm)} mm` : '—'}`);
      break;
    case 'bidirectional':
    case 'ellipse':
      lines.push(
        `${head}${f.longAxisMm !== null && f.shortAxisMm !== null ? `${mm(f.longAxisMm)} × ${mm(f.shortAxisMm)} mm` : '—'}`,
      );
      break;
    case 'freehand':
      lines.push(`${head}${f.areaMm2 !== null ? formatArea(f.areaMm2) : '—'}`);
      break;
  }
  if (kind === 'ellipse' || kind === 'freehand') {
    const parts: string[] = [];
    if (kind === 'ellipse' && f.areaMm2 !== null) parts.push(formatArea(f.areaMm2));
    if (f.hu) parts.push(`mean ${hu(f.hu.meanHu)} ± ${Math.round(f.hu.sdHu)} HU`);
    if (parts.length) lines.push(parts.join(' · '));
    if (f.hu) lines.push(`min ${hu(f.hu.minHu)} · max ${hu(f.hu.maxHu)} HU`);
  }
  return lines;
}
