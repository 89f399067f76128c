/**
 * The tumor-board report as PDF, made in the main process (both shells, serve mode included).
 *
 * Drawn with pdfkit in the standard PDF fonts (Helvetica, Helvetica-Bold: nothing embedded), so
 * every string goes through `pdfSafeText` first: those fonts speak WinAnsi only. A4 portrait,
 * 40 pt margins, a footer (patient, generated at, "Page n of N") on every page. The layout keeps
 * its own cursor: a block (table row, figure, key-image row, notice) that does not fit on what is
 * left of a page starts on the next one, never split.
 */
import PDFDocument from 'pdfkit';
import type { Figure, FigureItem } from '../../../../core/report/figure';
import { RESPONSE_WORDS, mmText, type AnyResponse } from '../../../../core/report/tableText';
import { percentText, type ReportExam, type ReportKeyImage, type ReportTableRow, type TumorBoardReport } from '../../../../core/report/tumorBoard';

type Doc = PDFKit.PDFDocument;

/** A4 in points. */
const PAGE_W = 595.28;
const PAGE_H = 841.89;
const MARGIN = 40;
const CONTENT_W = PAGE_W - 2 * MARGIN;
const FOOTER_H = 18;
const TOP = MARGIN;
/** Content stops here; the footer lies below, still inside the margins. */
const BOTTOM = PAGE_H - MARGIN - FOOTER_H;
const LINE_GAP = 1;

const REGULAR = 'Helvetica';
const BOLD = 'Helvetica-Bold';

const INK = '#1a1a1a';
const MUTED = '#5a5a5a';
const RULE = '#b9bec4';
const HEAD_FILL = '#e6e9ed';
const NOTE_FILL = '#f5f6f7';

/** Measurement lines on key images: both read on black, grey and white. */
const LONG_AXIS = '#ffd000';
const SHORT_AXIS = '#00d5ff';

// ---------------------------------------------------------------------------------------------
// Text the standard fonts can show

/** Code points of WinAnsi (PDF 32000-1 Annex D) beyond Latin-1. */
const WIN_ANSI_EXTRA = new Set([
  0x152, 0x153, 0x160, 0x161, 0x178, 0x17d, 0x17e, 0x192, 0x2c6, 0x2dc, 0x2013, 0x2014, 0x2018, 0x2019, 0x201a, 0x201c, 0x201d, 0x201e, 0x2020, 0x2021,
  0x2022, 0x2026, 0x2030, 0x2039, 0x203a, 0x20ac, 0x2122,
]);

function inWinAnsi(cp: number): boolean {
  return cp === 0x0a || (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff) || WIN_ANSI_EXTRA.has(cp);
}

/** Characters outside WinAnsi that have a readable stand-in. */
const REPLACEMENTS: Record<string, string> = {
  '\t': ' ',
  '\r': '',
  '\u00ad': '',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2015': '\u2014',
  '\u2212': '-',
  '\u2264': '<=',
  '\u2265': '>=',
  '\u2260': '!=',
  '\u2248': '~',
  '\u223c': '~',
  '\u2192': '->',
  '\u2190': '<-',
  '\u2194': '<->',
  '\u21d2': '=>',
  '\u2191': 'up',
  '\u2193': 'down',
  '\u2605': '*',
  '\u2606': '*',
  '\u2713': 'OK',
  '\u2714': 'OK',
  '\u2717': 'x',
  '\u2718': 'x',
  '\u2032': "'",
  '\u2033': '"',
  '\u2044': '/',
  '\u2215': '/',
  '\u2219': '\u00b7',
  '\u22c5': '\u00b7',
  '\u2027': '\u00b7',
  '\u0394': 'delta ',
  '\u03bc': '\u00b5',
  '\u2300': 'diam. ',
  '\u2116': 'No.',
  '\u2009': ' ',
  '\u200a': ' ',
  '\u2002': ' ',
  '\u2003': ' ',
  '\u2007': ' ',
  '\u2008': ' ',
  '\u202f': ' ',
  '\u205f': ' ',
  '\u3000': ' ',
  '\u200b': '',
  '\u200c': '',
  '\u200d': '',
  '\u2060': '',
  '\ufeff': '',
};

function allWinAnsi(s: string): boolean {
  for (const ch of s) if (!inWinAnsi(ch.codePointAt(0)!)) return false;
  return true;
}

/**
 * The string as the standard fonts can draw it: WinAnsi kept, a few symbols spelt out
 * ('−' → '-', '≥' → '>='), accents outside Latin-1 dropped ('ő' → 'o'), anything else '?'.
 * (pdfkit would otherwise write the raw code point and the PDF would show garbage.)
 */
export function pdfSafeText(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch in REPLACEMENTS) out += REPLACEMENTS[ch];
    else if (inWinAnsi(cp)) out += ch;
    else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
    else {
      const k = ch.normalize('NFKC');
      const d = ch.normalize('NFKD').replace(/\p{M}/gu, '');
      out += k !== ch && allWinAnsi(k) ? k : d && d !== ch && allWinAnsi(d) ? d : '?';
    }
  }
  return out;
}

/** "2024-03-01T10:22:33.123Z" → "2024-03-01 10:22 UTC"; anything else as it is. */
export function timeText(s: string): string {
  const m = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d)(?::\d\d(?:\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$/.exec(s.trim());
  if (!m) return s;
  return `${m[1]} ${m[2]}${m[3] === 'Z' ? ' UTC' : m[3] ? ` ${m[3]}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Colours

interface Paint {
  colour: string | [number, number, number];
  opacity: number;
}

const NAMED_NONE = new Set(['none', 'transparent', '']);

/** A CSS-ish colour as pdfkit takes it, or null for none ('none', 'transparent', alpha 0). */
export function paintOf(c: string | null | undefined): Paint | null {
  if (c === null || c === undefined) return null;
  const s = c.trim().toLowerCase();
  if (NAMED_NONE.has(s)) return null;
  let m = /^#([0-9a-f]{3,4})$/.exec(s);
  if (m) {
    const [r, g, b, a] = [...m[1]].map((h) => parseInt(h + h, 16));
    return a === 0 ? null : { colour: [r, g, b], opacity: a === undefined ? 1 : a / 255 };
  }
  m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/.exec(s);
  if (m) {
    const n = parseInt(m[1], 16);
    const a = m[2] === undefined ? 1 : parseInt(m[2], 16) / 255;
    return a === 0 ? null : { colour: [(n >> 16) & 255, (n >> 8) & 255, n & 255], opacity: a };
  }
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)$/.exec(s);
  if (m) {
    const a = m[4] === undefined ? 1 : m[4].endsWith('%') ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
    const ch = (x: string) => Math.max(0, Math.min(255, Math.round(parseFloat(x))));
    return a <= 0 ? null : { colour: [ch(m[1]), ch(m[2]), ch(m[3])], opacity: Math.min(1, a) };
  }
  // pdfkit knows the CSS colour names; an unknown word draws black rather than nothing.
  return /^[a-z]+$/.test(s) ? { colour: s, opacity: 1 } : { colour: INK, opacity: 1 };
}

interface ResponseStyle {
  ink: string;
  fill: string;
}

/** CR/PR green, SD (and non-CR/non-PD) amber, PD red, NE grey. */
export function responseStyle(r: AnyResponse | null | undefined): ResponseStyle | null {
  switch (r) {
    case 'CR':
    case 'PR':
      return { ink: '#1d6b25', fill: '#d8efd9' };
    case 'SD':
    case 'non-CR/non-PD':
      return { ink: '#8a5200', fill: '#fde7c2' };
    case 'PD':
      return { ink: '#b3161b', fill: '#f8d3d2' };
    case 'NE':
      return { ink: '#4d4d4d', fill: '#e2e2e2' };
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Layout

interface TextStyle {
  bold?: boolean;
  size: number;
  colour?: string;
  align?: 'left' | 'right' | 'center';
}

class Layout {
  y = TOP;

  constructor(readonly doc: Doc) {}

  font(bold: boolean | undefined, size: number): Doc {
    return this.doc.font(bold ? BOLD : REGULAR).fontSize(size);
  }

  /** Height of a wrapped text block. */
  height(text: string, width: number, style: TextStyle): number {
    if (!text) return 0;
    this.font(style.bold, style.size);
    return this.doc.heightOfString(pdfSafeText(text), { width, lineGap: LINE_GAP });
  }

  widthOf(text: string, bold: boolean | undefined, size: number): number {
    this.font(bold, size);
    return this.doc.widthOfString(pdfSafeText(text));
  }

  /** A wrapped text block with its top-left corner at (x, y). */
  text(text: string, x: number, y: number, width: number, style: TextStyle): void {
    if (!text) return;
    this.font(style.bold, style.size);
    this.doc.fillColor(style.colour ?? INK, 1);
    this.doc.text(pdfSafeText(text), x, y, { width, lineGap: LINE_GAP, align: style.align ?? 'left' });
  }

  /** One line, never wrapped, with its top-left corner at (x, y). */
  line(text: string, x: number, y: number, style: TextStyle): void {
    this.font(style.bold, style.size);
    this.doc.fillColor(style.colour ?? INK, 1);
    this.doc.text(pdfSafeText(text), x, y, { lineBreak: false });
  }

  newPage(): void {
    this.doc.addPage();
    this.y = TOP;
  }

  /** Starts a new page unless `h` points still fit on this one (a block taller than a page gets a page of its own). */
  ensure(h: number): boolean {
    if (this.y > TOP + 0.5 && this.y + h > BOTTOM) {
      this.newPage();
      return true;
    }
    return false;
  }

  gap(h: number): void {
    this.y = Math.min(this.y + h, BOTTOM);
  }

  paragraph(text: string, style: TextStyle, indent = 0, after = 3): void {
    const w = CONTENT_W - indent;
    const h = this.height(text, w, style);
    this.ensure(h);
    this.text(text, MARGIN + indent, this.y, w, style);
    this.y += h + after;
  }

  /** A section heading, kept with at least `follow` points of what comes under it. */
  heading(text: string, follow = 60): void {
    const style = { bold: true, size: 12.5, colour: '#0f2a44' };
    const h = this.height(text, CONTENT_W, style);
    this.ensure(h + 6 + follow);
    if (this.y > TOP + 0.5) this.y += 8;
    this.text(text, MARGIN, this.y, CONTENT_W, style);
    this.y += h + 1;
    this.doc.save().moveTo(MARGIN, this.y).lineTo(MARGIN + CONTENT_W, this.y).lineWidth(0.8).strokeColor('#0f2a44').stroke().restore();
    this.y += 5;
  }
}

// ---------------------------------------------------------------------------------------------
// Tables

interface Cell {
  text: string;
  /** A second block under the first, regular and a little smaller (a date, a volume, words). */
  sub?: string;
  bold?: boolean;
  ink?: string;
  subInk?: string;
  fill?: string;
  span?: number;
  align?: 'left' | 'right' | 'center';
}

interface Row {
  cells: Cell[];
  /** Kept on the page of the row before it (rule lines under their exam). */
  withPrevious?: boolean;
  fill?: string;
  /** Font size of this row, default the table's. */
  size?: number;
  /** Line above the row, darker: a summary row. */
  strong?: boolean;
}

interface Column {
  header: Cell;
  width: number;
}

const PAD_X = 3.5;
const PAD_Y = 2.5;

function cellHeight(lay: Layout, cell: Cell, width: number, size: number): number {
  const w = width - 2 * PAD_X;
  let h = lay.height(cell.text || ' ', w, { bold: cell.bold, size });
  if (cell.sub) h += lay.height(cell.sub, w, { size: size - 0.5 });
  return h + 2 * PAD_Y;
}

function placed(columns: Column[], cells: Cell[]): { cell: Cell; x: number; w: number }[] {
  const out: { cell: Cell; x: number; w: number }[] = [];
  let col = 0;
  let x = MARGIN;
  for (const cell of cells) {
    if (col >= columns.length) break;
    const span = Math.max(1, Math.min(cell.span ?? 1, columns.length - col));
    let w = 0;
    for (let i = 0; i < span; i++) w += columns[col + i].width;
    out.push({ cell, x, w });
    x += w;
    col += span;
  }
  return out;
}

function rowHeight(lay: Layout, columns: Column[], row: Row, size: number): number {
  return Math.max(...placed(columns, row.cells).map((p) => cellHeight(lay, p.cell, p.w, row.size ?? size)));
}

function drawRow(lay: Layout, columns: Column[], row: Row, size: number, h: number, header = false): void {
  const { doc } = lay;
  const y = lay.y;
  const fs = row.size ?? size;
  for (const p of placed(columns, row.cells)) {
    const fill = p.cell.fill ?? row.fill;
    if (fill) doc.save().rect(p.x, y, p.w, h).fillColor(fill, 1).fill().restore();
    const w = p.w - 2 * PAD_X;
    const h1 = lay.height(p.cell.text || ' ', w, { bold: p.cell.bold || header, size: fs });
    lay.text(p.cell.text, p.x + PAD_X, y + PAD_Y, w, { bold: p.cell.bold || header, size: fs, colour: p.cell.ink ?? INK, align: p.cell.align });
    if (p.cell.sub) lay.text(p.cell.sub, p.x + PAD_X, y + PAD_Y + h1, w, { size: fs - 0.5, colour: p.cell.subInk ?? MUTED, align: p.cell.align });
  }
  const width = columns.reduce((s, c) => s + c.width, 0);
  const lineY = y + h;
  doc
    .save()
    .moveTo(MARGIN, lineY)
    .lineTo(MARGIN + width, lineY)
    .lineWidth(header ? 0.9 : 0.4)
    .strokeColor(header ? '#6b7682' : RULE)
    .stroke()
    .restore();
  if (row.strong) doc.save().moveTo(MARGIN, y).lineTo(MARGIN + width, y).lineWidth(0.9).strokeColor('#6b7682').stroke().restore();
  lay.y = y + h;
}

/** A table whose header is drawn again at the top of each page it runs onto. */
function table(lay: Layout, columns: Column[], rows: Row[], size: number): void {
  const header: Row = { cells: columns.map((c) => ({ ...c.header, bold: true })), fill: HEAD_FILL };
  const headerH = rowHeight(lay, columns, header, size);
  const heights = rows.map((r) => rowHeight(lay, columns, r, size));
  // Groups: a row with the rows kept with it.
  const groups: number[][] = [];
  rows.forEach((r, i) => {
    if (r.withPrevious && groups.length) groups[groups.length - 1].push(i);
    else groups.push([i]);
  });
  const pageRoom = BOTTOM - TOP - headerH;
  const drawHeader = () => drawRow(lay, columns, header, size, headerH, true);
  const firstH = groups.length ? Math.min(groups[0].reduce((s, i) => s + heights[i], 0), pageRoom) : 0;
  lay.ensure(headerH + firstH);
  drawHeader();
  for (const g of groups) {
    const gh = g.reduce((s, i) => s + heights[i], 0);
    const members = gh <= pageRoom ? [g] : g.map((i) => [i]);
    for (const m of members) {
      const mh = m.reduce((s, i) => s + heights[i], 0);
      if (lay.y + mh > BOTTOM) {
        lay.newPage();
        drawHeader();
      }
      for (const i of m) drawRow(lay, columns, rows[i], size, heights[i]);
    }
  }
}

/** Widths in proportion to `weights`, adding up to `total`. */
function widths(weights: number[], total = CONTENT_W): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  return weights.map((w) => (w / sum) * total);
}

function col(header: string, width: number, sub?: string, align?: Cell['align']): Column {
  return { header: { text: header, sub, align }, width };
}

function responseCell(r: AnyResponse | null | undefined): Cell {
  if (!r) return { text: '—', ink: MUTED };
  const st = responseStyle(r);
  return { text: r, sub: RESPONSE_WORDS[r], bold: true, ink: st?.ink ?? INK, subInk: st?.ink ?? MUTED, fill: st?.fill };
}

// ---------------------------------------------------------------------------------------------
// Sections

function header(lay: Layout, report: TumorBoardReport): void {
  const titleStyle = { bold: true, size: 17, colour: '#0f2a44' };
  const th = lay.height(report.title, CONTENT_W, titleStyle);
  lay.text(report.title, MARGIN, lay.y, CONTENT_W, titleStyle);
  lay.y += th + 6;
  const p = report.patient;
  const fields: [string, string][] = [
    ['Patient', p.name || '—'],
    ['Patient ID', p.patientId || '—'],
    ['Birth date', p.birthDate ?? '—'],
    ['Sex', p.sex ?? '—'],
    ['Generated', timeText(report.generatedAt)],
    ['Prepared by', report.preparedBy || '—'],
    ['Software', report.software || '—'],
  ];
  // Two columns of label / value pairs on a light panel.
  const colW = CONTENT_W / 2;
  const labelW = 62;
  const valueW = colW - labelW - 10;
  const rowsOf: [string, string][][] = [];
  for (let i = 0; i < fields.length; i += 2) rowsOf.push(fields.slice(i, i + 2));
  const rowH = rowsOf.map((r) => Math.max(...r.map(([, v]) => lay.height(v, valueW, { bold: true, size: 9.5 }))) + 3);
  const panelH = rowH.reduce((s, h) => s + h, 0) + 10;
  lay.doc.save().rect(MARGIN, lay.y, CONTENT_W, panelH).fillColor('#f1f4f7', 1).fill().restore();
  let y = lay.y + 5;
  rowsOf.forEach((r, i) => {
    r.forEach(([k, v], j) => {
      const x = MARGIN + 6 + j * colW;
      lay.text(k, x, y + 1, labelW, { size: 8, colour: MUTED });
      lay.text(v, x + labelW, y, valueW, { bold: true, size: 9.5 });
    });
    y += rowH[i];
  });
  lay.y += panelH + 4;
}

function dateRange(exams: ReportExam[]): string {
  const dates = exams.map((e) => e.date).filter((d): d is string => Boolean(d)).sort();
  if (!dates.length) return '';
  return dates.length === 1 ? ` (${dates[0]})` : ` (${dates[0]} to ${dates[dates.length - 1]})`;
}

function summary(lay: Layout, report: TumorBoardReport): void {
  lay.heading('Summary', 40);
  const b = report.bestOverallResponse;
  const st = responseStyle(b?.response);
  const text = b ? `Best overall response: ${b.words}` : 'Best overall response: not available';
  const style = { bold: true, size: 11.5, colour: st?.ink ?? INK };
  const h = lay.height(text, CONTENT_W - 16, style) + 10;
  lay.ensure(h);
  lay.doc
    .save()
    .rect(MARGIN, lay.y, CONTENT_W, h)
    .fillColor(st?.fill ?? '#eeeeee', 1)
    .fill()
    .rect(MARGIN, lay.y, 4, h)
    .fillColor(st?.ink ?? MUTED, 1)
    .fill()
    .restore();
  lay.text(text, MARGIN + 10, lay.y + 5.5, CONTENT_W - 16, style);
  lay.y += h + 4;
  for (const line of b?.explanation ?? []) lay.paragraph(`•  ${line}`, { size: 8.5 }, 6, 1.5);
  if (!b && report.recistErrors.length) lay.paragraph('RECIST 1.1 could not be computed; the reasons are listed below.', { size: 8.5 }, 6, 1.5);
  const assessed = report.exams.filter((e) => e.recist).length;
  const counts = `${report.exams.length} exam${report.exams.length === 1 ? '' : 's'}${dateRange(report.exams)}, ${assessed} assessed by RECIST 1.1; ${report.rows.length} lesion${report.rows.length === 1 ? '' : 's'} followed.`;
  lay.gap(2);
  lay.paragraph(counts, { size: 8.5, colour: MUTED }, 0, 2);
}

function examsTable(lay: Layout, report: TumorBoardReport): void {
  if (!report.exams.length) return;
  lay.heading('Exams and RECIST 1.1 response', 70);
  const w = widths([54, 52, 60, 44, 38, 38, 60, 64, 36, 70]);
  const columns: Column[] = [
    col('Exam', w[0], 'date'),
    col('Description', w[1]),
    col('Sign-off', w[2]),
    col('Sum of diameters', w[3], undefined),
    col('Change from baseline', w[4]),
    col('Change from nadir', w[5]),
    col('Target', w[6]),
    col('Non-target', w[7]),
    col('New lesions', w[8]),
    col('Overall response', w[9]),
  ];
  const rows: Row[] = [];
  for (const e of report.exams) {
    const r = e.recist;
    const newCell: Cell = !r
      ? { text: '—', ink: MUTED }
      : r.baseline && !r.newLesions.length
        ? { text: '—', ink: MUTED }
        : {
            text: r.newLesions.length ? r.newLesions.join(', ') : 'none',
            bold: r.newLesions.length > 0,
            ink: r.newLesions.length ? responseStyle('PD')!.ink : INK,
            sub: r.equivocalNewLesions.length ? `equivocal: ${r.equivocalNewLesions.join(', ')}` : undefined,
          };
    rows.push({
      cells: [
        { text: e.label, sub: e.date ?? 'no date', bold: true },
        { text: e.description || '—' },
        e.signoff ? { text: e.signoff.reader, sub: timeText(e.signoff.signedAt) } : { text: 'not signed', bold: true, ink: responseStyle('SD')!.ink },
        { text: r ? mmText(r.sumMm) : '—', sub: r && !r.baseline && r.nadirMm !== null ? `nadir ${r.nadirMm.toFixed(1)}` : undefined, bold: Boolean(r), align: 'right' },
        { text: r ? (r.baseline ? 'baseline' : percentText(r.changeFromBaselinePct)) : '—', align: 'right', ink: r?.baseline ? MUTED : INK },
        { text: r ? (r.baseline ? '—' : percentText(r.changeFromNadirPct)) : '—', align: 'right', ink: r?.baseline ? MUTED : INK },
        responseCell(r?.target),
        responseCell(r?.nonTarget),
        newCell,
        r ? responseCell(r.overall) : { text: 'not assessed', ink: MUTED },
      ],
    });
    if (r?.rule.length) {
      rows.push({ cells: [{ text: r.rule.map((l) => `•  ${l}`).join('\n'), span: columns.length, ink: '#333333' }], withPrevious: true, fill: NOTE_FILL, size: 7 });
    }
  }
  table(lay, columns, rows, 7.5);
}

function recistErrors(lay: Layout, report: TumorBoardReport): void {
  if (!report.recistErrors.length) return;
  lay.heading('RECIST 1.1 could not be computed', 30);
  for (const e of report.recistErrors) callout(lay, e, { border: '#b36b00', fill: '#fff4e0', bold: false, size: 9 });
}

const EXAMS_PER_TABLE = 4;

function lesionCell(c: ReportTableRow['cells'][number] | undefined): Cell {
  if (!c || (!c.diameters && !c.volume)) return { text: '—', ink: MUTED };
  const vol = c.volume && c.volume !== '—' ? c.volume : undefined;
  return { text: c.diameters || '—', sub: vol, ink: c.status === 'measured' || c.status === null ? INK : '#333333' };
}

function lesionTables(lay: Layout, report: TumorBoardReport): void {
  if (!report.rows.length && !report.exams.length) return;
  lay.heading('Lesions by exam', 80);
  lay.paragraph('Long × short axis of the measurement of record, and the lesion volume under it. Growth: between the last two volumes.', { size: 7.5, colour: MUTED }, 0, 3);
  const chunks: number[][] = [];
  for (let i = 0; i < report.exams.length; i += EXAMS_PER_TABLE) chunks.push(report.exams.slice(i, i + EXAMS_PER_TABLE).map((_, j) => i + j));
  if (!chunks.length) chunks.push([]);
  chunks.forEach((chunk, ci) => {
    const last = ci === chunks.length - 1;
    if (chunks.length > 1) {
      const first = chunk[0] + 1;
      const lastN = chunk[chunk.length - 1] + 1;
      if (ci > 0) lay.gap(8);
      lay.ensure(80);
      lay.paragraph(`Exams ${first}–${lastN} of ${report.exams.length}`, { bold: true, size: 9 }, 0, 2);
    }
    const fixed = widths([40, 50, 74], 164);
    const growthW = last ? 56 : 0;
    const examW = chunk.length ? (CONTENT_W - 164 - growthW) / chunk.length : 0;
    const columns: Column[] = [col('Lesion', fixed[0]), col('Role', fixed[1]), col('Site', fixed[2])];
    for (const i of chunk) columns.push(col(report.exams[i].label, examW, report.exams[i].date ?? 'no date'));
    if (last) columns.push(col('Growth', chunk.length ? growthW : CONTENT_W - 164, 'latest'));
    const rows: Row[] = [];
    for (const r of report.rows) {
      const cells: Cell[] = [{ text: r.label, bold: true }, { text: r.role }, { text: r.site || '—' }, ...chunk.map((i) => lesionCell(r.cells[i]))];
      if (last) cells.push({ text: r.growth || '—', ink: r.growth ? INK : MUTED });
      rows.push({ cells });
      if (ci === 0 && r.note) rows.push({ cells: [{ text: `Note on ${r.label}: ${r.note}`, span: columns.length, ink: '#333333' }], withPrevious: true, fill: NOTE_FILL, size: 7 });
    }
    const burden: [string, (b: TumorBoardReport['burden'][number]) => string][] = [
      ['Total lesion volume', (b) => b.totalLesionVolume],
      ['Liver volume', (b) => b.liverVolume],
      ['Tumour burden (lesions / liver)', (b) => b.tumorBurden],
    ];
    burden.forEach(([name, get], bi) => {
      const cells: Cell[] = [{ text: name, span: 3, bold: true }, ...chunk.map((i) => ({ text: report.burden[i] ? get(report.burden[i]) : '—', bold: bi === 2 }))];
      if (last) cells.push({ text: '' });
      rows.push({ cells, fill: '#f3f5f7', strong: bi === 0, withPrevious: bi > 0 });
    });
    table(lay, columns, rows, 7.5);
  });
}

// ---------------------------------------------------------------------------------------------
// Figures

function finite(...xs: number[]): boolean {
  return xs.every((x) => Number.isFinite(x));
}

function setStroke(doc: Doc, p: Paint, width: number): void {
  doc.strokeColor(p.colour, p.opacity).lineWidth(Math.max(0, width));
}

function drawFigureItem(lay: Layout, it: FigureItem): void {
  const { doc } = lay;
  switch (it.type) {
    case 'line': {
      const pts = it.points.filter(([x, y]) => finite(x, y));
      const p = paintOf(it.colour);
      if (pts.length < 2 || !p || !(it.width > 0)) return;
      doc.save();
      doc.moveTo(pts[0][0], pts[0][1]);
      for (const [x, y] of pts.slice(1)) doc.lineTo(x, y);
      setStroke(doc, p, it.width);
      doc.lineJoin('round');
      const dash = it.dash?.filter((d) => Number.isFinite(d) && d > 0) ?? [];
      if (dash.length && dash.length === it.dash!.length) (doc as unknown as { dash(l: number[], o: object): Doc }).dash(dash.length === 1 ? [dash[0], dash[0]] : dash, {});
      doc.stroke();
      doc.restore();
      return;
    }
    case 'rect':
    case 'circle': {
      const fill = paintOf(it.fill);
      const stroke = it.stroke ? paintOf(it.stroke) : null;
      const sw = it.strokeWidth ?? 1;
      if (it.type === 'rect' ? !finite(it.x, it.y, it.w, it.h) : !finite(it.cx, it.cy, it.r) || it.r < 0) return;
      const path = () => (it.type === 'rect' ? doc.rect(Math.min(it.x, it.x + it.w), Math.min(it.y, it.y + it.h), Math.abs(it.w), Math.abs(it.h)) : doc.circle(it.cx, it.cy, it.r));
      doc.save();
      if (fill) {
        path();
        doc.fillColor(fill.colour, fill.opacity).fill();
      }
      if (stroke && sw > 0) {
        path();
        setStroke(doc, stroke, sw);
        doc.stroke();
      }
      doc.restore();
      return;
    }
    case 'text': {
      const p = paintOf(it.colour);
      if (!p || !it.text || !finite(it.x, it.y, it.size) || it.size <= 0) return;
      const text = pdfSafeText(it.text).replace(/\n/g, ' ');
      doc.save();
      doc.font(it.bold ? BOLD : REGULAR).fontSize(it.size);
      const w = doc.widthOfString(text);
      const dx = it.anchor === 'middle' ? -w / 2 : it.anchor === 'end' ? -w : 0;
      // Degrees counter-clockwise on the page; pdfkit turns clockwise (y is down).
      if (it.rotate && Number.isFinite(it.rotate)) doc.rotate(-it.rotate, { origin: [it.x, it.y] });
      doc.fillColor(p.colour, p.opacity);
      doc.text(text, it.x + dx, it.y, { lineBreak: false, baseline: 'alphabetic' });
      doc.restore();
      return;
    }
  }
}

function figure(lay: Layout, fig: Figure): void {
  if (!(fig.width > 0) || !(fig.height > 0)) return;
  const titleStyle = { bold: true, size: 10 };
  const capStyle = { size: 7.5, colour: MUTED };
  const titleH = lay.height(fig.title, CONTENT_W, titleStyle);
  const capH = lay.height(fig.caption, CONTENT_W, capStyle);
  const room = BOTTOM - TOP - titleH - capH - 14;
  const s = Math.min(CONTENT_W / fig.width, room / fig.height);
  const fw = fig.width * s;
  const fh = fig.height * s;
  lay.ensure(titleH + 4 + fh + 4 + capH + 8);
  lay.text(fig.title, MARGIN, lay.y, CONTENT_W, titleStyle);
  lay.y += titleH + 4;
  const x0 = MARGIN + (CONTENT_W - fw) / 2;
  const { doc } = lay;
  doc.save();
  doc.translate(x0, lay.y);
  doc.scale(s);
  doc.rect(0, 0, fig.width, fig.height).clip();
  for (const it of fig.items) drawFigureItem(lay, it);
  doc.restore();
  lay.y += fh + 4;
  lay.text(fig.caption, MARGIN, lay.y, CONTENT_W, capStyle);
  lay.y += capH + 10;
}

function figures(lay: Layout, report: TumorBoardReport): void {
  const figs = report.figures.filter((f) => f.width > 0 && f.height > 0);
  if (!figs.length) return;
  lay.heading('Plots', 200);
  for (const f of figs) figure(lay, f);
}

// ---------------------------------------------------------------------------------------------
// Key images

const IMAGES_PER_ROW = 4;
const IMAGE_GAP = 10;

/** The longest of 10, 5, 2, 1 mm whose bar takes at most a third of the image width. */
function scaleBarMm(mmPerPt: number, width: number): number | null {
  if (!(mmPerPt > 0) || !Number.isFinite(mmPerPt)) return null;
  for (const mm of [10, 5, 2, 1]) if (mm / mmPerPt <= width / 3) return mm;
  return null;
}

function axisLine(doc: Doc, a: [number, number], b: [number, number], colour: string, outline: boolean): void {
  const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
  if (!(len > 0)) return;
  const nx = (-(b[1] - a[1]) / len) * 2.5;
  const ny = ((b[0] - a[0]) / len) * 2.5;
  doc.save();
  doc.moveTo(a[0], a[1]).lineTo(b[0], b[1]);
  // End ticks across the line mark where the calipers sit.
  doc.moveTo(a[0] - nx, a[1] - ny).lineTo(a[0] + nx, a[1] + ny);
  doc.moveTo(b[0] - nx, b[1] - ny).lineTo(b[0] + nx, b[1] + ny);
  doc
    .lineWidth(outline ? 2.6 : 1.2)
    .lineCap('round')
    .strokeColor(outline ? '#000000' : colour, outline ? 0.75 : 1)
    .stroke();
  doc.restore();
}

function labelOnImage(lay: Layout, text: string, x: number, y: number, size: number): void {
  const w = lay.widthOf(text, true, size);
  lay.doc
    .save()
    .rect(x - 1.5, y - 1, w + 3, size + 2)
    .fillColor('#000000', 0.55)
    .fill()
    .restore();
  lay.line(text, x, y, { bold: true, size, colour: '#ffffff' });
}

function drawKeyImage(lay: Layout, img: ReportKeyImage, x: number, y: number, size: number): void {
  const { doc } = lay;
  doc.save().rect(x, y, size, size).fillColor('#000000', 1).fill().restore();
  const ok = img.widthPx > 0 && img.heightPx > 0;
  const k = ok ? Math.min(size / img.widthPx, size / img.heightPx) : 1;
  const dw = ok ? img.widthPx * k : size;
  const dh = ok ? img.heightPx * k : size;
  const ix = x + (size - dw) / 2;
  const iy = y + (size - dh) / 2;
  let drawn = false;
  if (ok) {
    try {
      doc.image(Buffer.from(img.png.buffer, img.png.byteOffset, img.png.byteLength), ix, iy, { width: dw, height: dh });
      drawn = true;
    } catch {
      drawn = false;
    }
  }
  if (!drawn) {
    lay.text('image could not be read', x + 6, y + size / 2 - 5, size - 12, { size: 7.5, colour: '#ffffff', align: 'center' });
    return;
  }
  doc.save();
  doc.rect(ix, iy, dw, dh).clip();
  const toPt = (p: [number, number]): [number, number] => [ix + p[0] * k, iy + p[1] * k];
  const lines = img.lines.filter((l) => finite(...l.from, ...l.to));
  // Outlines first, then colours (long axis on top), so crossing axes both stay visible.
  for (const l of lines) axisLine(doc, toPt(l.from), toPt(l.to), '#000', true);
  for (const l of [...lines].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'long' ? 1 : -1))) {
    axisLine(doc, toPt(l.from), toPt(l.to), l.kind === 'long' ? LONG_AXIS : SHORT_AXIS, false);
  }
  doc.restore();
  // Orientation at the right and bottom edges.
  const os = 8.5;
  if (img.orientation.right) {
    const t = img.orientation.right;
    labelOnImage(lay, t, ix + dw - lay.widthOf(t, true, os) - 3, iy + dh / 2 - os / 2, os);
  }
  if (img.orientation.bottom) {
    const t = img.orientation.bottom;
    labelOnImage(lay, t, ix + dw / 2 - lay.widthOf(t, true, os) / 2, iy + dh - os - 3, os);
  }
  // Scale bar, bottom left.
  const mmPerPt = img.mmPerPixel / k;
  const mm = scaleBarMm(mmPerPt, dw);
  if (mm !== null) {
    const len = mm / mmPerPt;
    const bx = ix + 6;
    const by = iy + dh - 6;
    for (const outline of [true, false]) {
      doc.save();
      doc
        .moveTo(bx, by)
        .lineTo(bx + len, by)
        .moveTo(bx, by - 3)
        .lineTo(bx, by + 0.01)
        .moveTo(bx + len, by - 3)
        .lineTo(bx + len, by + 0.01);
      doc
        .lineWidth(outline ? 2.8 : 1.2)
        .lineCap('butt')
        .strokeColor(outline ? '#000000' : '#ffffff', outline ? 0.7 : 1)
        .stroke();
      doc.restore();
    }
    labelOnImage(lay, `${mm} mm`, bx, by - 12.5, 6.5);
  }
  doc
    .save()
    .rect(x, y, size, size)
    .lineWidth(0.5)
    .strokeColor('#444444', 1)
    .stroke()
    .restore();
}

function keyImageCaption(img: ReportKeyImage): string {
  const w = `Window C ${Math.round(img.window.center)} / W ${Math.round(img.window.width)} HU`;
  return img.caption ? `${img.caption}\n${w}` : w;
}

function legend(lay: Layout): void {
  const { doc } = lay;
  const h = 12;
  lay.ensure(h);
  const y = lay.y + 5;
  let x = MARGIN;
  for (const [name, colour] of [
    ['long axis', LONG_AXIS],
    ['short axis', SHORT_AXIS],
  ] as const) {
    doc.save().rect(x, y - 4.5, 22, 9).fillColor('#6e6e6e', 1).fill().restore();
    axisLine(doc, [x + 3, y], [x + 19, y], colour, true);
    axisLine(doc, [x + 3, y], [x + 19, y], colour, false);
    lay.line(name, x + 26, y - 3.5, { size: 7.5 });
    x += 26 + lay.widthOf(name, false, 7.5) + 16;
  }
  lay.line('Orientation letters at the right and bottom edges; scale bar bottom left.', x, y - 3.5, { size: 7.5, colour: MUTED });
  lay.y += h + 4;
}

function keyImages(lay: Layout, report: TumorBoardReport): void {
  const imgs = report.keyImages;
  if (!imgs.length) return;
  const examIndex = new Map(report.exams.map((e, i) => [e.studyRowId, i]));
  const rowOf = new Map(report.rows.map((r) => [r.lesionId, r]));
  const order = [...report.rows.map((r) => r.lesionId), ...imgs.map((i) => i.lesionId)].filter((id, i, a) => a.indexOf(id) === i);
  const groups = order
    .map((id) => ({
      id,
      images: imgs
        .filter((i) => i.lesionId === id)
        .sort(
          (a, b) =>
            (a.date === null ? 1 : 0) - (b.date === null ? 1 : 0) ||
            (a.date ?? '').localeCompare(b.date ?? '') ||
            (examIndex.get(a.studyRowId) ?? 1e9) - (examIndex.get(b.studyRowId) ?? 1e9),
        ),
    }))
    .filter((g) => g.images.length);
  const perRow = Math.min(IMAGES_PER_ROW, Math.max(...groups.map((g) => g.images.length)));
  const size = Math.min(170, (CONTENT_W - IMAGE_GAP * (perRow - 1)) / perRow);
  lay.heading('Key images', size + 90);
  legend(lay);
  for (const g of groups) {
    const r = rowOf.get(g.id);
    const label = g.images[0].lesionLabel || r?.label || `lesion ${g.id}`;
    const title = r ? `${label} — ${r.role}${r.site ? `, ${r.site}` : ''}` : label;
    for (let start = 0; start < g.images.length; start += perRow) {
      const row = g.images.slice(start, start + perRow);
      const head = start > 0 ? `${title} (continued)` : title;
      const headStyle = { bold: true, size: 9.5 };
      const examStyle = { bold: true, size: 7.5 };
      const capStyle = { size: 7, colour: '#333333' };
      const headH = lay.height(head, CONTENT_W, headStyle);
      const examH = Math.max(...row.map((i) => lay.height(examLine(i), size, examStyle)));
      const capH = Math.max(...row.map((i) => lay.height(keyImageCaption(i), size, capStyle)));
      const rowH = headH + 3 + examH + 2 + size + 3 + capH;
      lay.ensure(rowH + 8);
      lay.text(head, MARGIN, lay.y, CONTENT_W, headStyle);
      lay.y += headH + 3;
      row.forEach((img, j) => {
        const x = MARGIN + j * (size + IMAGE_GAP);
        lay.text(examLine(img), x, lay.y, size, examStyle);
        drawKeyImage(lay, img, x, lay.y + examH + 2, size);
        lay.text(keyImageCaption(img), x, lay.y + examH + 2 + size + 3, size, capStyle);
      });
      lay.y += examH + 2 + size + 3 + capH + 10;
    }
  }
}

function examLine(img: ReportKeyImage): string {
  return `${img.examLabel}${img.date ? ` · ${img.date}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Provenance and notices

function provenance(lay: Layout, report: TumorBoardReport): void {
  if (!report.provenance.length) return;
  lay.heading('Model provenance', 50);
  const w = widths([40, 130, 80, 50, 80, 110]);
  const columns = [col('Lesion', w[0]), col('What', w[1]), col('Model', w[2]), col('Version', w[3]), col('State', w[4]), col('Intended use', w[5])];
  const rows: Row[] = report.provenance.map((p) => ({
    cells: [{ text: p.lesionLabel, bold: true }, { text: p.what }, { text: p.model }, { text: p.version }, { text: p.state }, { text: p.intendedUse ?? '—', ink: p.intendedUse ? INK : MUTED }],
  }));
  table(lay, columns, rows, 7.5);
}

const RESEARCH = /research|investigational|not for (clinical|diagnostic)|not (approved|cleared)|no medical device/i;

function callout(lay: Layout, text: string, o: { border: string; fill: string; bold: boolean; size: number; borderWidth?: number; title?: string }): void {
  const inner = CONTENT_W - 20;
  const titleStyle = { bold: true, size: o.size + 1, colour: o.border };
  const th = o.title ? lay.height(o.title, inner, titleStyle) + 2 : 0;
  const h = th + lay.height(text, inner, { bold: o.bold, size: o.size }) + 12;
  lay.ensure(h + 4);
  lay.doc
    .save()
    .rect(MARGIN + 0.75, lay.y + 0.75, CONTENT_W - 1.5, h - 1.5)
    .fillColor(o.fill, 1)
    .fill()
    .rect(MARGIN + 0.75, lay.y + 0.75, CONTENT_W - 1.5, h - 1.5)
    .lineWidth(o.borderWidth ?? 1)
    .strokeColor(o.border, 1)
    .stroke()
    .restore();
  if (o.title) lay.text(o.title, MARGIN + 10, lay.y + 6, inner, titleStyle);
  lay.text(text, MARGIN + 10, lay.y + 6 + th, inner, { bold: o.bold, size: o.size });
  lay.y += h + 5;
}

function notices(lay: Layout, report: TumorBoardReport): void {
  if (!report.notices.length) return;
  lay.heading('Notices', 50);
  const research = report.notices.filter((n) => RESEARCH.test(n));
  const other = report.notices.filter((n) => !RESEARCH.test(n));
  for (const n of research) callout(lay, n, { border: '#b3161b', fill: '#fdecec', bold: true, size: 10, borderWidth: 1.8, title: 'Intended use' });
  for (const n of other) callout(lay, n, { border: '#8c96a0', fill: '#f5f6f7', bold: false, size: 9 });
}

// ---------------------------------------------------------------------------------------------

function footers(lay: Layout, report: TumorBoardReport): number {
  const { doc } = lay;
  const range = doc.bufferedPageRange();
  const n = range.count;
  const size = 7.5;
  for (let i = 0; i < n; i++) {
    doc.switchToPage(range.start + i);
    const y = PAGE_H - MARGIN - size - 1;
    doc
      .save()
      .moveTo(MARGIN, y - 4)
      .lineTo(PAGE_W - MARGIN, y - 4)
      .lineWidth(0.5)
      .strokeColor(RULE, 1)
      .stroke()
      .restore();
    const page = `Page ${i + 1} of ${n}`;
    const pw = lay.widthOf(page, true, size);
    lay.line(page, PAGE_W - MARGIN - pw, y, { bold: true, size });
    const room = CONTENT_W - pw - 16;
    const p = report.patient;
    let left = `${p.name ? `${p.name} · ` : ''}Patient ID ${p.patientId} · generated ${timeText(report.generatedAt)}`;
    if (lay.widthOf(left, false, size) > room) left = `Patient ID ${p.patientId} · generated ${timeText(report.generatedAt)}`;
    while (left.length > 4 && lay.widthOf(left, false, size) > room) left = `${left.slice(0, -2)}…`;
    lay.line(left, MARGIN, y, { size, colour: MUTED });
  }
  return n;
}

function creationDate(generatedAt: string): Date {
  const d = new Date(generatedAt);
  return Number.isNaN(d.getTime()) ? new Date() : d;
}

export async function renderReportPdf(report: TumorBoardReport): Promise<{ bytes: Buffer; pages: number }> {
  const doc = new PDFDocument({
    size: [PAGE_W, PAGE_H],
    margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
    bufferPages: true,
    autoFirstPage: true,
    font: REGULAR,
    info: {
      Title: report.title,
      Author: report.preparedBy,
      Creator: report.software,
      Subject: `${report.patient.name ? `${report.patient.name}, ` : ''}patient ID ${report.patient.patientId}`,
      CreationDate: creationDate(report.generatedAt),
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c)));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const lay = new Layout(doc);
  header(lay, report);
  summary(lay, report);
  examsTable(lay, report);
  recistErrors(lay, report);
  lesionTables(lay, report);
  figures(lay, report);
  keyImages(lay, report);
  provenance(lay, report);
  notices(lay, report);
  const pages = footers(lay, report);
  doc.end();
  return { bytes: await done, pages };
}
