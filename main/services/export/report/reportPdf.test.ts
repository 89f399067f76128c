import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Figure } from '../../../../core/report/figure';
import type { ReportExam, ReportKeyImage, ReportTableRow, TumorBoardReport } from '../../../../core/report/tumorBoard';
import { encodeGrayPng } from '../../library/png';
import { paintOf, pdfSafeText, renderReportPdf, responseStyle, timeText } from './reportPdf';

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const hasPoppler = has('pdftotext') && has('pdfinfo') && has('pdftoppm');
if (!hasPoppler) console.warn('reportPdf.test: skipping the poppler checks (text, page count, rendering): poppler-utils is not installed');

/** Where the rendered pages are left for a person to look at. */
const PAGES_DIR = '/tmp/report-pdf-pages';

// ---------------------------------------------------------------------------------------------
// A report by hand: 3 exams, 3 lesions (L2 a target that disappears, N1 new at follow-up 2).

const SIZE = 64;
const MM_PER_PX = 1.25;

/** A grey liver-ish field with a dark disc of `radiusPx` at (cx, cy); none when radius is 0. */
function discPng(cx: number, cy: number, radiusPx: number): Buffer {
  const px = new Uint8Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const inBody = Math.hypot(x - 32, y - 34) < 30;
      let v = inBody ? 128 + ((x * 7 + y * 13) % 9) : 8;
      if (radiusPx > 0 && Math.hypot(x + 0.5 - cx, y + 0.5 - cy) <= radiusPx) v = 55;
      px[y * SIZE + x] = v;
    }
  }
  return encodeGrayPng(px, SIZE, SIZE);
}

const EXAMS: { id: number; label: string; date: string }[] = [
  { id: 11, label: 'Baseline', date: '2024-01-10' },
  { id: 12, label: 'Follow-up 1', date: '2024-03-12' },
  { id: 13, label: 'Follow-up 2', date: '2024-05-20' },
];

function keyImage(lesionId: number, lesionLabel: string, exam: number, longMm: number, shortMm: number, cx: number, cy: number): ReportKeyImage {
  const e = EXAMS[exam];
  const r = longMm / MM_PER_PX / 2;
  const rs = shortMm / MM_PER_PX / 2;
  return {
    lesionId,
    lesionLabel,
    studyRowId: e.id,
    examLabel: e.label,
    date: e.date,
    png: discPng(cx, cy, r),
    widthPx: SIZE,
    heightPx: SIZE,
    mmPerPixel: MM_PER_PX,
    window: { center: 40, width: 400 },
    lines:
      longMm > 0
        ? [
            { from: [cx - r, cy], to: [cx + r, cy], kind: 'long' },
            { from: [cx, cy - rs], to: [cx, cy + rs], kind: 'short' },
          ]
        : [],
    orientation: { right: 'L', bottom: 'P' },
    caption: longMm > 0 ? `${lesionLabel} on ${e.label}: ${longMm.toFixed(1)} × ${shortMm.toFixed(1)} mm, axial slice 42` : `${lesionLabel} on ${e.label}: disappeared (no lesion at the site)`,
  };
}

function handFigure(): Figure {
  const items: Figure['items'] = [];
  const x0 = 50;
  const y0 = 20;
  const w = 420;
  const h = 160;
  const yOf = (pct: number) => y0 + ((40 - pct) / 120) * h;
  items.push({ type: 'rect', x: x0, y: y0, w, h, fill: '#fafafa', stroke: '#cccccc', strokeWidth: 0.5 });
  items.push({ type: 'line', points: [[x0, y0 + h], [x0 + w, y0 + h]], colour: '#333', width: 1 });
  items.push({ type: 'line', points: [[x0, y0], [x0, y0 + h]], colour: '#333', width: 1 });
  items.push({ type: 'line', points: [[x0, yOf(20)], [x0 + w, yOf(20)]], colour: '#c62828', width: 0.8, dash: [4, 3] });
  items.push({ type: 'line', points: [[x0, yOf(-30)], [x0 + w, yOf(-30)]], colour: '#2e7d32', width: 0.8, dash: [4, 3] });
  items.push({ type: 'text', x: x0 + w - 2, y: yOf(20) - 3, text: '+20 % (PD)', size: 7, colour: '#c62828', anchor: 'end' });
  items.push({ type: 'text', x: x0 + w - 2, y: yOf(-30) - 3, text: '−30 % (PR)', size: 7, colour: '#2e7d32', anchor: 'end' });
  for (const t of [40, 0, -40, -80]) items.push({ type: 'text', x: x0 - 4, y: yOf(t) + 2.5, text: `${t > 0 ? '+' : ''}${t} %`, size: 7, colour: '#333', anchor: 'end' });
  const xs = [x0 + 20, x0 + 200, x0 + 400];
  EXAMS.forEach((e, i) => items.push({ type: 'text', x: xs[i], y: y0 + h + 12, text: e.date, size: 7, colour: '#333', anchor: 'middle' }));
  const series: [string, number[]][] = [
    ['#1565c0', [0, -22.5, 30]],
    ['#6a1b9a', [0, -54.5, -75]],
  ];
  for (const [c, v] of series) {
    items.push({ type: 'line', points: v.map((p, i) => [xs[i], yOf(p)]), colour: c, width: 1.4 });
    v.forEach((p, i) => items.push({ type: 'circle', cx: xs[i], cy: yOf(p), r: 2.5, fill: c, stroke: '#ffffff', strokeWidth: 0.8 }));
  }
  items.push({ type: 'text', x: 14, y: y0 + h / 2, text: 'Change from baseline', size: 8, colour: '#333', anchor: 'middle', rotate: 90, bold: true });
  items.push({ type: 'text', x: x0 + w / 2, y: y0 + h + 26, text: 'Exam date', size: 8, colour: '#333', anchor: 'middle', bold: true });
  return { id: 'spider', title: 'Spider plot: target lesions, change from baseline', width: 500, height: 210, items, caption: 'Each line is one target lesion; dashed lines mark +20 % and −30 % (RECIST 1.1 thresholds for the sum).' };
}

function baseReport(): TumorBoardReport {
  const exams: ReportExam[] = [
    {
      studyRowId: 11,
      label: 'Baseline',
      date: '2024-01-10',
      description: 'CT abdomen portal venous',
      signoff: { reader: 'Dr. Ada Radiologist', signedAt: '2024-01-11T09:14:00.000Z' },
      recist: {
        baseline: true,
        sumMm: 62,
        nadirMm: null,
        changeFromBaselinePct: null,
        changeFromNadirPct: null,
        target: null,
        nonTarget: null,
        newLesions: [],
        equivocalNewLesions: [],
        overall: null,
        rule: ['Baseline: 2 target lesions, sum of diameters 62.0 mm.'],
      },
    },
    {
      studyRowId: 12,
      label: 'Follow-up 1',
      date: '2024-03-12',
      description: 'CT abdomen portal venous',
      signoff: { reader: 'Dr. Ada Radiologist', signedAt: '2024-03-13T16:40:12.000Z' },
      recist: {
        baseline: false,
        sumMm: 41,
        nadirMm: 62,
        changeFromBaselinePct: -33.9,
        changeFromNadirPct: -33.9,
        target: 'PR',
        nonTarget: 'non-CR/non-PD',
        newLesions: [],
        equivocalNewLesions: [],
        overall: 'PR',
        rule: ['Sum 41.0 mm is 33.9 % below the baseline sum 62.0 mm (≥ 30 % decrease): PR.'],
      },
    },
    {
      studyRowId: 13,
      label: 'Follow-up 2',
      date: '2024-05-20',
      description: 'CT chest abdomen pelvis',
      signoff: null,
      recist: {
        baseline: false,
        sumMm: 52,
        nadirMm: 41,
        changeFromBaselinePct: -16.1,
        changeFromNadirPct: 26.8,
        target: 'PD',
        nonTarget: 'non-CR/non-PD',
        newLesions: ['N1'],
        equivocalNewLesions: [],
        overall: 'PD',
        rule: ['Sum 52.0 mm is 26.8 % and 11.0 mm above the nadir 41.0 mm (≥ 20 % and ≥ 5 mm): PD.', 'New lesion N1: PD regardless of the sum.'],
      },
    },
  ];
  const rows: ReportTableRow[] = [
    {
      lesionId: 1,
      label: 'L1',
      role: 'target',
      site: 'liver, segment 7',
      cells: [
        { diameters: '40.0 × 28.0 mm', volume: '21.4 mL', status: 'measured' },
        { diameters: '31.0 × 22.0 mm', volume: '10.2 mL', status: 'measured' },
        { diameters: '52.0 × 36.0 mm', volume: '44.9 mL', status: 'measured' },
      ],
      growth: 'VDT 41 d',
      note: null,
    },
    {
      lesionId: 2,
      label: 'L2',
      role: 'target',
      site: 'liver, segment 4a',
      cells: [
        { diameters: '22.0 × 15.0 mm', volume: '3.80 mL', status: 'measured' },
        { diameters: '10.0 × 7.0 mm', volume: '0.41 mL', status: 'measured' },
        { diameters: 'disappeared', volume: '', status: 'disappeared' },
      ],
      growth: '',
      note: 'Disappeared target: counted as 0 mm in the sum.',
    },
    {
      lesionId: 3,
      label: 'N1',
      role: 'new',
      site: 'liver, segment 2',
      cells: [
        { diameters: 'absent', volume: '', status: 'absent' },
        { diameters: 'absent', volume: '', status: 'absent' },
        { diameters: '14.0 × 11.0 mm', volume: '1.35 mL', status: 'measured' },
      ],
      growth: '',
      note: null,
    },
  ];
  return {
    title: 'Tumor board report — RECIST 1.1 follow-up',
    generatedAt: '2024-05-21T08:30:00.000Z',
    software: 'Longitude 0.1.0',
    preparedBy: 'Dr. Ada Radiologist',
    patient: { name: 'DOE^JANE', patientId: 'PAT-0042', birthDate: '1961-04-02', sex: 'F' },
    exams,
    bestOverallResponse: { response: 'PR', words: 'PR (partial response)', explanation: ['PR at Follow-up 1 (2024-03-12), not confirmed: confirmation is not required for RECIST 1.1 in randomised trials.'] },
    recistErrors: [],
    rows,
    burden: [
      { totalLesionVolume: '25.2 mL', liverVolume: '1612.0 mL', tumorBurden: '1.56 %' },
      { totalLesionVolume: '10.6 mL', liverVolume: '1598.4 mL', tumorBurden: '0.66 %' },
      { totalLesionVolume: '46.3 mL', liverVolume: '1630.9 mL', tumorBurden: '2.84 %' },
    ],
    figures: [handFigure()],
    keyImages: [
      keyImage(1, 'L1', 0, 40, 28, 24, 30),
      keyImage(1, 'L1', 2, 52, 36, 24, 30),
      keyImage(1, 'L1', 1, 31, 22, 24, 30),
      keyImage(2, 'L2', 0, 22, 15, 42, 24),
      keyImage(2, 'L2', 1, 10, 7, 42, 24),
      keyImage(2, 'L2', 2, 0, 0, 42, 24),
      keyImage(3, 'N1', 2, 14, 11, 30, 48),
    ],
    provenance: [
      {
        lesionLabel: 'N1',
        what: 'lesion mask on Follow-up 2 (2024-05-20)',
        model: 'liver-lesion-seg',
        version: '2.3.1',
        state: 'edited by the reader',
        intendedUse: 'For research use only. Not for diagnostic use.',
      },
    ],
    notices: [
      'For research use only. Not for diagnostic use.',
      'Lesions found by a model are marked below with the model and version; every finding was reviewed by the reader named on this report.',
      'Not signed off: Follow-up 2 (2024-05-20). Results of an unsigned exam may still change.',
    ],
  };
}

/** Many exams and lesions, long words, no RECIST: tables wrap into several, pages break. */
function bigReport(): TumorBoardReport {
  const r = baseReport();
  const n = 7;
  const exams: ReportExam[] = Array.from({ length: n }, (_, i) => ({
    studyRowId: 100 + i,
    label: i === 0 ? 'Baseline' : i === n - 1 ? 'Not assessed' : `Follow-up ${i}`,
    date: i === n - 1 ? null : `2023-${String(i + 2).padStart(2, '0')}-15`,
    description: `CT abdomen with a rather long series description number ${i} ünïcödé ł Ω`,
    signoff: i % 2 ? null : { reader: 'Dr. Bartholomew Longname-Radiologist', signedAt: `2023-${String(i + 2).padStart(2, '0')}-16T10:00:00Z` },
    recist: null,
  }));
  const rows: ReportTableRow[] = Array.from({ length: 14 }, (_, k) => ({
    lesionId: 200 + k,
    label: `L${k + 1}`,
    role: k < 5 ? 'target' : k < 11 ? 'non-target' : 'new',
    site: `liver, segment ${(k % 8) + 1}`,
    cells: exams.map((_, i) => ({ diameters: `${(30 + k - i).toFixed(1)} × ${(20 + k - i).toFixed(1)} mm (of record)`, volume: `${(12 + k).toFixed(1)} mL`, status: 'measured' as const })),
    growth: 'VDT 120 d',
    note: k === 3 ? 'A very long note. '.repeat(12) : null,
  }));
  const keyImages: ReportKeyImage[] = [];
  for (const row of rows.slice(0, 3)) {
    for (let i = 0; i < 6; i++) {
      const img = keyImage(row.lesionId, row.label, 0, 20 + i, 12, 30, 30);
      keyImages.push({ ...img, studyRowId: exams[i].studyRowId, examLabel: exams[i].label, date: exams[i].date });
    }
  }
  return {
    ...r,
    patient: { name: 'Ŝtrangé-Nàme, Zoë ★', patientId: 'PAT−0099', birthDate: null, sex: null },
    exams,
    bestOverallResponse: null,
    recistErrors: ['No target lesion at baseline: RECIST 1.1 needs at least one measurable target lesion (≥ 10 mm).', 'Exam 2023-08-15 has no slice thickness.'],
    rows,
    burden: exams.map(() => ({ totalLesionVolume: '201.0 mL', liverVolume: '—', tumorBurden: '—' })),
    figures: [handFigure(), { ...handFigure(), id: 'waterfall', title: 'Waterfall plot' }, { ...handFigure(), id: 'volume', title: 'Volume plot' }],
    keyImages,
  };
}

// ---------------------------------------------------------------------------------------------

describe('pdfSafeText, timeText, colours', () => {
  it('keeps WinAnsi and spells out the rest', () => {
    expect(pdfSafeText('40.0 × 28.0 mm — 1.5 % … “ok” € ±2 °C µ')).toBe('40.0 × 28.0 mm — 1.5 % … “ok” € ±2 °C µ');
    expect(pdfSafeText('−30 % ≥ 20 % ≤ 5 → ★ ✓')).toBe('-30 % >= 20 % <= 5 -> * OK');
    expect(pdfSafeText('Łódź Ő Ω 漢 😀')).toBe('?ódz O ? ? ?');
    expect(pdfSafeText('a\u00adb\u200bc\td\r\ne')).toBe('abc d\ne');
    expect(pdfSafeText('ﬁle')).toBe('file');
  });
  it('writes ISO times for people', () => {
    expect(timeText('2024-03-01T10:22:33.123Z')).toBe('2024-03-01 10:22 UTC');
    expect(timeText('2024-03-01T10:22:33+01:00')).toBe('2024-03-01 10:22 +01:00');
    expect(timeText('yesterday')).toBe('yesterday');
  });
  it('reads figure colours and gives responses their colours', () => {
    expect(paintOf('#abc')).toEqual({ colour: [0xaa, 0xbb, 0xcc], opacity: 1 });
    expect(paintOf('#102030')).toEqual({ colour: [16, 32, 48], opacity: 1 });
    expect(paintOf('rgba(10, 20, 30, 0.5)')).toEqual({ colour: [10, 20, 30], opacity: 0.5 });
    expect(paintOf('none')).toBeNull();
    expect(paintOf(null)).toBeNull();
    expect(paintOf('steelblue')).toEqual({ colour: 'steelblue', opacity: 1 });
    expect(responseStyle('PR')!.ink).toBe(responseStyle('CR')!.ink);
    expect(new Set(['PR', 'SD', 'PD', 'NE'].map((r) => responseStyle(r as 'PR')!.ink)).size).toBe(4);
  });
});

describe('renderReportPdf', () => {
  it('makes a PDF whose bytes depend only on the report', async () => {
    const a = await renderReportPdf(baseReport());
    const b = await renderReportPdf(baseReport());
    expect(a.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(a.bytes.subarray(-6).toString('latin1')).toContain('%%EOF');
    expect(a.pages).toBeGreaterThanOrEqual(2);
    expect(a.bytes.equals(b.bytes)).toBe(true);
    const pageObjects = a.bytes.toString('latin1').match(/\/Type \/Page\b/g) ?? [];
    expect(pageObjects.length).toBe(a.pages);
  });

  it('draws an empty report (no exams, lesions, figures or images) on one page', async () => {
    const r = baseReport();
    const out = await renderReportPdf({ ...r, exams: [], rows: [], burden: [], figures: [], keyImages: [], provenance: [], notices: [], bestOverallResponse: null });
    expect(out.pages).toBe(1);
  });
});

interface Word {
  page: number;
  text: string;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function words(pdf: string): { pages: { w: number; h: number }[]; words: Word[] } {
  const html = execFileSync('pdftotext', ['-bbox', pdf, '-'], { encoding: 'utf8' });
  const pages: { w: number; h: number }[] = [];
  const out: Word[] = [];
  for (const pm of html.matchAll(/<page width="([\d.]+)" height="([\d.]+)">([\s\S]*?)<\/page>/g)) {
    pages.push({ w: Number(pm[1]), h: Number(pm[2]) });
    for (const wm of pm[3].matchAll(/<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)<\/word>/g)) {
      out.push({ page: pages.length, text: wm[5], x0: Number(wm[1]), y0: Number(wm[2]), x1: Number(wm[3]), y1: Number(wm[4]) });
    }
  }
  return { pages, words: out };
}

describe.skipIf(!hasPoppler)(`renderReportPdf, read back with poppler${hasPoppler ? '' : ' — SKIPPED: poppler-utils not installed'}`, () => {
  let dir: string;
  const files: Record<string, { path: string; pages: number }> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'report-pdf-'));
    rmSync(PAGES_DIR, { recursive: true, force: true });
    mkdirSync(PAGES_DIR, { recursive: true });
    for (const [name, report] of [
      ['report', baseReport()],
      ['big', bigReport()],
    ] as const) {
      const { bytes, pages } = await renderReportPdf(report);
      const path = join(dir, `${name}.pdf`);
      writeFileSync(path, bytes);
      copyFileSync(path, join(PAGES_DIR, `${name}.pdf`));
      files[name] = { path, pages };
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has the patient, lesions, sums, dates and responses in words, in reading order', () => {
    const text = execFileSync('pdftotext', ['-layout', files.report.path, '-'], { encoding: 'utf8' });
    // Words wrapped inside a table cell read on in the raw (reading-order) text.
    const flat = execFileSync('pdftotext', [files.report.path, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    for (const s of [
      'PAT-0042',
      'DOE^JANE',
      '1961-04-02',
      'Tumor board report — RECIST 1.1 follow-up',
      '62.0 mm',
      'nadir 41.0',
      '41.0 mm',
      '52.0 mm',
      '-33.9 %',
      '+26.8 %',
      'partial response',
      'progressive disease',
      'neither complete response nor progression',
      'Best overall response: PR (partial response)',
      'not signed',
      'Dr. Ada Radiologist',
      '2024-01-11 09:14 UTC',
      '2024-01-10',
      '2024-03-12',
      '2024-05-20',
      '40.0 × 28.0 mm',
      'disappeared',
      'VDT 41 d',
      '1.56 %',
      'liver-lesion-seg',
      'For research use only. Not for diagnostic use.',
      '(≥ 30 % decrease)'.replace('≥', '>='),
      '-30 % (PR)',
      'Change from baseline',
      'Window C 40 / W 400 HU',
    ]) {
      expect(text.includes(s) || flat.includes(s), s).toBe(true);
    }
    for (const label of ['L1', 'L2', 'N1']) expect(text).toMatch(new RegExp(`\\b${label}\\b`));
    // Sections in order.
    const at = (s: string) => text.indexOf(s);
    const order = ['Summary', 'Exams and RECIST 1.1 response', 'Lesions by exam', 'Plots', 'Key images', 'Model provenance', 'Notices'].map(at);
    expect(order.every((p) => p >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // No garbage from characters outside the fonts' encoding.
    expect(text).not.toMatch(/[\u2212\u2265\uFFFD]/);
  });

  it('has a footer with patient ID, generated time and "Page n of N" on every page, and the metadata', () => {
    for (const f of Object.values(files)) {
      const info = execFileSync('pdfinfo', [f.path], { encoding: 'utf8' });
      expect(info).toMatch(new RegExp(`^Pages:\\s+${f.pages}$`, 'm'));
      expect(info).toMatch(/^Page size:\s+595\.28 x 841\.89 pts \(A4\)/m);
      const pages = execFileSync('pdftotext', ['-layout', f.path, '-'], { encoding: 'utf8' }).split('\f').filter((p) => p.trim());
      expect(pages.length).toBe(f.pages);
      pages.forEach((p, i) => {
        expect(p).toContain(`Page ${i + 1} of ${f.pages}`);
        expect(p).toMatch(/Patient ID PAT-00(42|99)/);
        expect(p).toContain('generated 2024-05-21 08:30 UTC');
      });
    }
    const info = execFileSync('pdfinfo', [files.report.path], { encoding: 'utf8' });
    expect(info).toMatch(/^Title:\s+Tumor board report — RECIST 1\.1 follow-up$/m);
    expect(info).toMatch(/^Subject:\s+DOE\^JANE, patient ID PAT-0042$/m);
    expect(info).toMatch(/^CreationDate:.*2024/m);
    expect(info).toMatch(/^Author:\s+Dr\. Ada Radiologist$/m);
    expect(info).toMatch(/^Creator:\s+Longitude 0\.1\.0$/m);
  });

  it('wraps many exams into tables of at most four and breaks pages cleanly', () => {
    expect(files.big.pages).toBeGreaterThan(files.report.pages);
    const text = execFileSync('pdftotext', ['-layout', files.big.path, '-'], { encoding: 'utf8' });
    expect(text).toContain('Exams 1–4 of 7');
    expect(text).toContain('Exams 5–7 of 7');
    expect(text).toContain('RECIST 1.1 could not be computed');
    expect(text).toContain('Best overall response: not available');
    expect(text).toContain('Patient ID PAT-0099');
    expect(text).toContain('(continued)');
    for (let k = 1; k <= 14; k++) expect(text).toMatch(new RegExp(`\\bL${k}\\b`));
  });

  it('keeps every word inside the margins and no two words on top of each other', () => {
    for (const f of Object.values(files)) {
      const { pages, words: ws } = words(f.path);
      expect(pages.length).toBe(f.pages);
      for (const w of ws) {
        const p = pages[w.page - 1];
        const where = `${f.path} page ${w.page} "${w.text}" [${w.x0}, ${w.y0}, ${w.x1}, ${w.y1}]`;
        expect(w.x0, where).toBeGreaterThanOrEqual(40 - 0.5);
        expect(w.x1, where).toBeLessThanOrEqual(p.w - 40 + 0.5);
        expect(w.y0, where).toBeGreaterThanOrEqual(40 - 2);
        expect(w.y1, where).toBeLessThanOrEqual(p.h - 40 + 0.5);
      }
      for (let page = 1; page <= pages.length; page++) {
        const on = ws.filter((w) => w.page === page);
        for (let i = 0; i < on.length; i++) {
          for (let j = i + 1; j < on.length; j++) {
            const a = on[i];
            const b = on[j];
            const ix = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
            const iy = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
            if (ix <= 0 || iy <= 0) continue;
            const small = Math.min((a.x1 - a.x0) * (a.y1 - a.y0), (b.x1 - b.x0) * (b.y1 - b.y0));
            expect(ix * iy, `${f.path} page ${page}: "${a.text}" overlaps "${b.text}"`).toBeLessThan(0.2 * small);
          }
        }
      }
    }
  });

  it('renders every page (pages left in /tmp/report-pdf-pages for a person to look at)', () => {
    for (const [name, f] of Object.entries(files)) {
      execFileSync('pdftoppm', ['-png', '-r', '60', f.path, join(PAGES_DIR, name)]);
      const pngs = readdirSync(PAGES_DIR).filter((p) => p.startsWith(`${name}-`) && p.endsWith('.png'));
      expect(pngs.length).toBe(f.pages);
    }
  });
});
