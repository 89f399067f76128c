/**
 * The self-contained HTML report: built from a hand-made report model, checked as text and then
 * opened in a real headless Chromium with every request intercepted (there must be none).
 * Set REPORT_HTML_SHOT_DIR to keep the screenshots (full page, screen and print) in that folder.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Lesion, LesionCell, LesionTable } from '../../../../core/api/types';
import type { Figure } from '../../../../core/report/figure';
import { reportFigures } from '../../../../core/report/plotFigures';
import type { ReportKeyImage, TumorBoardReport } from '../../../../core/report/tumorBoard';
import { chromiumPath, launchChromium } from '../../../../tools/testing/chromium';
import { encodeGrayPng } from '../../library/png';
import { REPORT_CSP, escapeHtml, figureToSvg, renderReportHtml, scaleBarMm, timeText } from './reportHtml';

const HOSTILE = `Müller <script>alert("x")</script> & "O'Neil" <b>bold</b> <img src=x onerror=alert(2)>`;
const BL = '2024-01-02';
const CHEST = '2024-02-10';
const FU1 = '2024-04-01';
const FU2 = '2024-07-01';

// ---- a lesion table for the figures ------------------------------------------------------

function lesion(id: number, label: string, patch: Partial<Lesion> = {}): Lesion {
  return { id, patientRowId: 1, label, site: 'liver', couinaudSegment: null, nodeStation: null, recistRole: 'target', lymphNode: false, lesionType: 'metastasis', referenceStandard: null, notes: '', createdAt: '', ...patch };
}
function cell(patch: Partial<LesionCell> = {}): LesionCell {
  return { measurementId: null, seriesId: null, longAxisMm: null, shortAxisMm: null, volumeMl: null, status: null, measurementCount: 0, recordChosenBy: null, ...patch };
}
const m = (l: number, s: number, v: number | null) => cell({ longAxisMm: l, shortAxisMm: s, volumeMl: v, status: 'measured', measurementId: 1, measurementCount: 1, recordChosenBy: 'default' });

function lesionTable(): LesionTable {
  return {
    table: {
      patientRowId: 1,
      exams: [
        { studyRowId: 11, date: BL, description: 'CT abdomen portal venous', seriesIds: [] },
        { studyRowId: 14, date: CHEST, description: 'CT chest', seriesIds: [] },
        { studyRowId: 12, date: FU1, description: 'CT abdomen portal venous', seriesIds: [] },
        { studyRowId: 13, date: FU2, description: 'CT abdomen portal venous', seriesIds: [] },
      ],
      lesions: [lesion(1, 'L1'), lesion(2, 'L2'), lesion(3, 'L3', { recistRole: 'non-target' }), lesion(4, 'L4', { recistRole: 'new' as Lesion['recistRole'] })],
      cells: {
        1: { 11: m(40, 30, 21.4), 12: m(26, 19, 6.1), 13: m(24, 18, 5.2) },
        2: { 11: m(25, 18, 5.9), 12: m(18, 13, 2.2), 13: m(22, 16, 3.9) },
        3: { 11: cell({ status: 'present', volumeMl: 1.1 }), 12: cell({ status: 'present', volumeMl: 0.9 }), 13: cell({ status: 'present', volumeMl: 1.0 }) },
        4: { 13: m(12, 9, 0.6) },
      },
      liverVolumeMl: {},
      lineage: [],
      findings: [],
      pendingLinks: [],
      signoffs: [],
    },
    assessment: {
      baselineStudyRowId: 11,
      recistStudyRowIds: [11, 12, 13],
      lesionRoles: [],
      recistErrors: [],
      volumetry: { exams: [], lesions: {}, growth: {} },
      recist: {
        options: { tooSmallMm: 5, requireConfirmation: false, confirmationMinDays: 28, sdMinDays: 42 },
        bestOverallResponse: 'PR',
        bestOverallResponseExplanation: [],
        timepoints: [
          { date: BL, baseline: true, changeFromBaselinePct: null },
          { date: FU1, baseline: false, changeFromBaselinePct: -32.3 },
          { date: FU2, baseline: false, changeFromBaselinePct: -29.2 },
        ],
      },
    } as unknown as LesionTable['assessment'],
  };
}

// ---- key images: a synthetic portal-venous liver slice with a hypodense metastasis --------

const SIZE = 160;
const MM_PER_PX = 0.6;

/** Liver parenchyma with noise and a vessel, a hypodense ellipse (long × short axis, mm) at the centre. */
function slice(longMm: number, shortMm: number, seed: number): Uint8Array {
  let s = seed >>> 0;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const px = new Uint8Array(SIZE * SIZE);
  const c = SIZE / 2;
  const a = longMm / 2 / MM_PER_PX;
  const b = shortMm / 2 / MM_PER_PX;
  const ang = (20 * Math.PI) / 180;
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++) {
      // Liver edge on the right, fat and abdominal wall beyond it.
      let v = x > 140 + 6 * Math.sin(y / 20) ? 70 : 150;
      // A portal vein branch, bright.
      if (Math.abs(y - 0.35 * x - 18) < 3 && x < 120) v = 190;
      const dx = x + 0.5 - c;
      const dy = y + 0.5 - c;
      const u = (dx * Math.cos(ang) + dy * Math.sin(ang)) / a;
      const w = (-dx * Math.sin(ang) + dy * Math.cos(ang)) / b;
      const r = Math.hypot(u, w);
      if (r < 1.08) v = r < 0.92 ? 95 : 95 + ((r - 0.92) / 0.16) * 55; // soft edge
      if (r > 0.85 && r < 1.0) v += 12; // enhancing rim
      px[y * SIZE + x] = Math.max(0, Math.min(255, Math.round(v + (rnd() - 0.5) * 22)));
    }
  return px;
}

function keyImage(lesionId: number, label: string, studyRowId: number, examLabel: string, date: string, longMm: number, shortMm: number): { img: ReportKeyImage; png: Buffer } {
  const png = encodeGrayPng(slice(longMm, shortMm, studyRowId * 7 + lesionId), SIZE, SIZE);
  const c = SIZE / 2;
  const ang = (20 * Math.PI) / 180;
  const half = (mm: number) => mm / 2 / MM_PER_PX;
  const seg = (len: number, a: number): { from: [number, number]; to: [number, number] } => ({
    from: [c - len * Math.cos(a), c - len * Math.sin(a)],
    to: [c + len * Math.cos(a), c + len * Math.sin(a)],
  });
  return {
    png,
    img: {
      lesionId,
      lesionLabel: label,
      studyRowId,
      examLabel,
      date,
      png: new Uint8Array(png),
      widthPx: SIZE,
      heightPx: SIZE,
      mmPerPixel: MM_PER_PX,
      window: { center: 60, width: 360 },
      lines: [
        { ...seg(half(longMm), ang), kind: 'long' },
        { ...seg(half(shortMm), ang + Math.PI / 2), kind: 'short' },
      ],
      orientation: { right: 'L', bottom: 'P' },
      caption: `${label} ${longMm.toFixed(1)} × ${shortMm.toFixed(1)} mm, series 3 image 42`,
    },
  };
}

const KEY = [
  keyImage(1, 'L1', 13, 'Follow-up 2', FU2, 24, 18),
  keyImage(1, 'L1', 11, 'Baseline', BL, 40, 30),
  keyImage(1, 'L1', 12, 'Follow-up 1', FU1, 26, 19),
  keyImage(2, 'L2', 11, 'Baseline', BL, 25, 18),
  keyImage(2, 'L2', 12, 'Follow-up 1', FU1, 18, 13),
];

const RESEARCH = 'For research use only. Not for clinical diagnosis or treatment decisions.';

function report(figures: Figure[] = reportFigures(lesionTable())): TumorBoardReport {
  const exams: TumorBoardReport['exams'] = [
    {
      studyRowId: 11,
      label: 'Baseline',
      date: BL,
      description: 'CT abdomen portal venous',
      signoff: { reader: 'Dr A. Jones', signedAt: '2024-01-03T09:12:00.000Z' },
      recist: { baseline: true, sumMm: 65, nadirMm: 65, changeFromBaselinePct: null, changeFromNadirPct: null, target: null, nonTarget: null, newLesions: [], equivocalNewLesions: [], overall: null, rule: ['Baseline: sum of 2 target diameters 65.0 mm.'] },
    },
    { studyRowId: 14, label: 'Not assessed', date: CHEST, description: 'CT chest', signoff: null, recist: null },
    {
      studyRowId: 12,
      label: 'Follow-up 1',
      date: FU1,
      description: 'CT abdomen portal venous',
      signoff: { reader: 'Dr A. Jones', signedAt: '2024-04-02T14:30:00.000Z' },
      recist: {
        baseline: false, sumMm: 44, nadirMm: 65, changeFromBaselinePct: -32.3, changeFromNadirPct: -32.3, target: 'PR', nonTarget: 'non-CR/non-PD', newLesions: [], equivocalNewLesions: [], overall: 'PR',
        rule: ['Targets: sum 44.0 mm is 32.3 % below the baseline sum 65.0 mm (at least 30 %): PR.', 'Non-targets present, not progressing: non-CR/non-PD.', 'No new lesion. PR + non-CR/non-PD + no new lesion → PR (RECIST 1.1 table 1).'],
      },
    },
    {
      studyRowId: 13,
      label: 'Follow-up 2',
      date: FU2,
      description: 'CT abdomen portal venous',
      signoff: null,
      recist: {
        baseline: false, sumMm: 46, nadirMm: 44, changeFromBaselinePct: -29.2, changeFromNadirPct: 4.5, target: 'SD', nonTarget: 'non-CR/non-PD', newLesions: ['L4'], equivocalNewLesions: [], overall: 'PD',
        rule: ['Targets: sum 46.0 mm, +4.5 % from the nadir 44.0 mm: SD.', 'New lesion L4 (unequivocal) → PD whatever the targets (RECIST 1.1 §4.3.3).'],
      },
    },
  ];
  const cells = (d: string[], v: string[]) => d.map((x, i) => ({ diameters: x, volume: v[i], status: x ? ('measured' as const) : null }));
  return {
    title: 'Tumor board report — RECIST 1.1 follow-up',
    generatedAt: '2024-07-03T08:00:00.000Z',
    software: 'Longitude 0.1.0',
    preparedBy: 'Dr A. Jones',
    patient: { name: HOSTILE, patientId: 'PID-0042', birthDate: '1961-05-17', sex: 'F' },
    exams,
    bestOverallResponse: { response: 'PR', words: 'PR (partial response)', explanation: ['Best response PR on Follow-up 1 (2024-04-01): sum 32.3 % below baseline.'] },
    recistErrors: [],
    rows: [
      { lesionId: 1, label: 'L1', role: 'target', site: 'liver, segment 7', cells: cells(['40.0 × 30.0 mm', '', '26.0 × 19.0 mm', '24.0 × 18.0 mm'], ['21.4 mL', '', '6.10 mL', '5.20 mL']), growth: 'halves in 210 d', note: null },
      { lesionId: 2, label: 'L2', role: 'target', site: 'liver, segment 4a', cells: cells(['25.0 × 18.0 mm', '', '18.0 × 13.0 mm', '22.0 × 16.0 mm'], ['5.90 mL', '', '2.20 mL', '3.90 mL']), growth: 'VDT 84 d', note: null },
      {
        lesionId: 3, label: 'L3', role: 'non-target', site: 'liver, segment 2', growth: 'no change', note: null,
        cells: [{ diameters: 'present', volume: '1.10 mL', status: 'present' }, { diameters: '', volume: '', status: null }, { diameters: 'present', volume: '0.90 mL', status: 'present' }, { diameters: 'present', volume: '1.00 mL', status: 'present' }],
      },
      { lesionId: 4, label: 'L4', role: 'new', site: 'liver, segment 6', cells: cells(['', '', '', '12.0 × 9.0 mm'], ['', '', '', '0.60 mL']), growth: 'appeared', note: 'First seen on Follow-up 2 — new lesion.' },
    ],
    burden: [
      { totalLesionVolume: '28.4 mL', liverVolume: '1650 mL', tumorBurden: '1.72 %' },
      { totalLesionVolume: '—', liverVolume: '—', tumorBurden: '—' },
      { totalLesionVolume: '9.20 mL', liverVolume: '1630 mL', tumorBurden: '0.56 %' },
      { totalLesionVolume: '10.7 mL', liverVolume: '1641 mL', tumorBurden: '0.65 %' },
    ],
    figures,
    keyImages: KEY.map((k) => k.img),
    provenance: [
      { lesionLabel: 'L1', what: `lesion mask on Follow-up 1 (${FU1})`, model: 'liver-mets-seg', version: '1.2.0', state: 'edited by the reader', intendedUse: RESEARCH },
      { lesionLabel: 'L4', what: `detected on Follow-up 2 (${FU2})`, model: 'liver-mets-det', version: '0.9.1', state: 'accepted as proposed', intendedUse: RESEARCH },
    ],
    notices: [RESEARCH, 'Lesions found by a model are marked below with the model and version; every finding was reviewed by the reader named on this report.', `Not signed off: Follow-up 2 (${FU2}). Results of an unsigned exam may still change.`],
  };
}

const html = renderReportHtml(report());

// ---- the text ------------------------------------------------------------------------------

describe('report HTML as text', () => {
  it('is one self-contained document: no URL, no script, no link, no external source, a strict CSP', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<script|<link|<iframe|<object|<embed|@import|url\(/i);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`);
    expect(REPORT_CSP).toBe("default-src 'none'; img-src data:; style-src 'unsafe-inline'");
    const srcs = [...html.matchAll(/\bsrc="([^"]*)"/g)].map((x) => x[1]);
    expect(srcs).toHaveLength(KEY.length);
    for (const s of srcs) expect(s.startsWith('data:image/png;base64,')).toBe(true);
    expect(html).not.toMatch(/\b(href|srcset|xlink:href|action|formaction|poster|background)\s*=/i);
  });

  it('escapes a hostile patient name everywhere', () => {
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>bold');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain(escapeHtml(HOSTILE));
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    // The title and the footer carry it too, escaped.
    expect(html.match(/Müller &lt;script&gt;/g)!.length).toBeGreaterThanOrEqual(3);
  });

  it('shows every lesion label, exam date, response in words and rule, sections in order', () => {
    for (const l of ['L1', 'L2', 'L3', 'L4']) expect(html).toMatch(new RegExp(`>${l}<`));
    for (const d of [BL, CHEST, FU1, FU2]) expect(html).toContain(d);
    for (const w of ['partial response', 'progressive disease', 'stable disease', 'neither complete response nor progression']) expect(html).toContain(w);
    expect(html).toContain('not signed');
    expect(html).toContain('Dr A. Jones');
    expect(html).toContain('2024-04-02 14:30 UTC');
    expect(html).toContain('New lesion L4 (unequivocal) → PD');
    expect(html).toContain('Not part of the RECIST 1.1 assessment.');
    expect(html).toContain('−32.3 %');
    expect(html).toContain('+4.5 %');
    expect(html).toContain('1.72 %');
    expect(html).toContain('VDT 84 d');
    const order = ['class="doc-header"', 'id="summary"', 'id="exams"', 'id="lesions"', 'id="figures"', 'id="key-images"', 'id="provenance"', 'id="notices"'].map((s) => html.indexOf(s));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // The research-use notice stands out, in the header and the notices.
    expect(html).toContain('class="research-banner"');
    expect(html).toContain(`<li class="notice-research">${escapeHtml(RESEARCH)}</li>`);
  });

  it('draws each figure as an inline <svg> with exactly its primitives', () => {
    const figs = report().figures;
    expect(figs.map((f) => f.id)).toEqual(['spider', 'waterfall', 'volume']);
    for (const f of figs) {
      const svg = figureToSvg(f);
      expect(html).toContain(svg);
      const count = (re: RegExp) => (svg.match(re) ?? []).length;
      const want = (t: string) => f.items.filter((i) => i.type === t).length;
      expect(count(/<polyline /g)).toBe(want('line'));
      expect(count(/<rect /g)).toBe(want('rect') + 1); // + the white background
      expect(count(/<circle /g)).toBe(want('circle'));
      expect(count(/<text /g)).toBe(want('text'));
      expect(svg).toContain(`viewBox="0 0 ${f.width} ${f.height}"`);
      expect(html).toContain(escapeHtml(f.caption));
    }
    expect(html).toContain('PR −30 %');
    expect(html).toContain('PD +20 %');
  });

  it('writes a primitive faithfully: rotation, dash, escaping', () => {
    const svg = figureToSvg({
      id: 't',
      title: 'A & B',
      width: 100,
      height: 50,
      caption: '',
      items: [
        { type: 'text', x: 10, y: 25, text: '<x> & "y"', size: 8, colour: '#111111', anchor: 'middle', rotate: 90, bold: true },
        { type: 'line', points: [[0, 1.234], [5.5, 2]], colour: '#ff0000', width: 1, dash: [4, 3] },
        { type: 'circle', cx: 1, cy: 2, r: 3, fill: null, stroke: '#00ff00', strokeWidth: 1.5 },
      ],
    });
    expect(svg).toContain('<text x="10" y="25" font-size="8" fill="#111111" text-anchor="middle" font-weight="bold" transform="rotate(-90 10 25)">&lt;x&gt; &amp; &quot;y&quot;</text>');
    expect(svg).toContain('<polyline points="0,1.23 5.5,2" fill="none" stroke="#ff0000" stroke-width="1" stroke-linejoin="round" stroke-dasharray="4 3"/>');
    expect(svg).toContain('<circle cx="1" cy="2" r="3" fill="none" stroke="#00ff00" stroke-width="1.5"/>');
    expect(svg).toContain('aria-label="A &amp; B"');
  });

  it('embeds each key image as the PNG given, grouped per lesion in date order', () => {
    const uris = [...html.matchAll(/src="data:image\/png;base64,([^"]+)"/g)].map((x) => Buffer.from(x[1], 'base64'));
    // L1 first (table order), its exams oldest first; then L2.
    const expected = [KEY[1], KEY[2], KEY[0], KEY[3], KEY[4]].map((k) => k.png);
    expect(uris).toHaveLength(expected.length);
    uris.forEach((u, i) => expect(u.equals(expected[i])).toBe(true));
    expect(html).toContain('<span class="ori ori-right">L</span>');
    expect(html).toContain('<span class="ori ori-bottom">P</span>');
    expect(html).toContain('<span>20 mm</span>');
    expect(scaleBarMm(96)).toBe(20);
    expect(scaleBarMm(30)).toBe(5);
    expect(html.match(/data-kind="long"/g)).toHaveLength(KEY.length);
    expect(html.match(/data-kind="short"/g)).toHaveLength(KEY.length);
  });

  it('writes times readably and says when there is nothing to plot', () => {
    expect(timeText('2024-07-03T08:00:00.000Z')).toBe('2024-07-03 08:00 UTC');
    expect(timeText('2024-07-03T10:00:00+02:00')).toBe('2024-07-03 10:00 (UTC+02:00)');
    expect(timeText('yesterday')).toBe('yesterday');
    const bare = renderReportHtml({ ...report([]), keyImages: [], provenance: [], notices: [], bestOverallResponse: null, recistErrors: ['Target L1 is not measured on the baseline.'] });
    expect(bare).toContain('No plot');
    expect(bare).toContain('RECIST 1.1 could not be computed');
    expect(bare).toContain('not available');
    expect(bare).not.toContain('<svg class="figure-svg"');
  });
});

// ---- in a real browser -----------------------------------------------------------------------

const hasChromium = (() => {
  try {
    return Boolean(chromiumPath());
  } catch {
    return false;
  }
})();

describe.skipIf(!hasChromium)('report HTML in headless Chromium', () => {
  let browser: Browser;
  const keep = process.env.REPORT_HTML_SHOT_DIR;
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'lng-report-html-'));
  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  });

  it('interception sees an external request (so "none" below means none)', async () => {
    const page = await browser.newPage();
    const seen: string[] = [];
    await page.route('**/*', (route) => {
      seen.push(route.request().url());
      return route.abort();
    });
    await page.setContent('<!doctype html><img src="http://example.invalid/x.png">', { waitUntil: 'load' });
    expect(seen).toContain('http://example.invalid/x.png');
    await page.close();
  });

  it('renders with zero network requests, the images decoded and the lines on the lesion', async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 1200 } });
    const routed: string[] = [];
    const requests: string[] = [];
    const failures: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (msg) => {
      if (msg.type() === 'error') failures.push(msg.text());
    });
    page.on('pageerror', (e) => failures.push(String(e)));
    await page.route('**/*', (route) => {
      routed.push(route.request().url());
      return route.abort();
    });
    writeFileSync(join(dir, 'report.html'), html);
    await page.setContent(html, { waitUntil: 'load' });

    expect(routed).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('data:'))).toEqual([]);
    expect(failures).toEqual([]);

    // The hostile name is text, not markup; nothing ran.
    expect(await page.locator('.patient-name').textContent()).toBe(HOSTILE);
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.title()).toContain('Müller <script>');

    // Every key image decoded at its size.
    const imgs = await page.$$eval('.ki-frame img', (els) => els.map((e) => ({ ok: (e as HTMLImageElement).complete, w: (e as HTMLImageElement).naturalWidth, h: (e as HTMLImageElement).naturalHeight })));
    expect(imgs).toEqual(KEY.map(() => ({ ok: true, w: SIZE, h: SIZE })));

    // The long axis of L1 at baseline drawn across the lesion: its ends on the screen where the
    // image pixels are (the overlay and the image share one box).
    const geo = await page.evaluate(() => {
      const frame = document.querySelector('.ki-group .ki-frame')!;
      const img = frame.querySelector('img')!.getBoundingClientRect();
      const line = frame.querySelector('line[data-kind="long"]') as SVGLineElement;
      const box = line.getBoundingClientRect();
      return { img: { x: img.x, y: img.y, w: img.width, h: img.height }, line: { x: box.x, y: box.y, w: box.width, h: box.height } };
    });
    const base = KEY[1].img.lines[0];
    const s = geo.img.w / SIZE;
    expect(geo.img.h / SIZE).toBeCloseTo(s, 2);
    const x0 = Math.min(base.from[0], base.to[0]) * s + geo.img.x;
    const x1 = Math.max(base.from[0], base.to[0]) * s + geo.img.x;
    expect(geo.line.x).toBeCloseTo(x0, 0);
    expect(geo.line.x + geo.line.w).toBeCloseTo(x1, 0);

    // Images of one lesion share the scale: same width for the same field of view, side by side.
    const tiles = await page.$$eval('.ki-group[data-lesion="L1"] .ki-frame', (els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ x: r.x, y: r.y, w: r.width })));
    expect(tiles).toHaveLength(3);
    expect(tiles[1].w).toBeCloseTo(tiles[0].w, 3);
    expect(tiles[1].y).toBeCloseTo(tiles[0].y, 3);
    expect(tiles[1].x).toBeGreaterThan(tiles[0].x);

    // Figures as SVG, each fitting the page.
    const svgs = await page.$$eval('svg.figure-svg', (els) => els.map((e) => e.getBoundingClientRect().width));
    expect(svgs).toHaveLength(3);
    for (const w of svgs) expect(w).toBeGreaterThan(500);

    // The CSP holds: a request added now is refused before the network.
    const violations = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          let n = 0;
          document.addEventListener('securitypolicyviolation', () => n++);
          const img = document.createElement('img');
          img.src = 'http://example.invalid/tracker.png';
          document.body.appendChild(img);
          setTimeout(() => resolve(n), 300);
        }),
    );
    expect(violations).toBeGreaterThan(0);
    expect(routed).toEqual([]);

    await page.evaluate(() => document.querySelectorAll('img[src^="http"]').forEach((e) => e.remove()));
    await page.screenshot({ path: join(dir, 'report-screen.png'), fullPage: true });
    await page.locator('#key-images').screenshot({ path: join(dir, 'report-key-images.png') });
    await page.locator('#figures').screenshot({ path: join(dir, 'report-figures.png') });
    await page.locator('#exams').screenshot({ path: join(dir, 'report-exams.png') });
    // As printed: A4 width, print media.
    await page.setViewportSize({ width: 794, height: 1123 });
    await page.emulateMedia({ media: 'print' });
    await page.screenshot({ path: join(dir, 'report-print.png'), fullPage: true });
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    writeFileSync(join(dir, 'report.pdf'), pdf);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.close();
  });
});
