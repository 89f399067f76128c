/**
 * The tumor-board report as one self-contained HTML file (no network requests; opens offline).
 *
 * Everything is inline: CSS in a <style>, figures as <svg> drawn from the report's drawing
 * primitives, key images as data: URIs with the measurement of record as an SVG overlay. A
 * strict Content-Security-Policy forbids anything else, so the file cannot reach out even if a
 * name in it tried to. Every text from the report is escaped. Print: A4, black on white.
 */
import type { Figure, FigureItem } from '../../../../core/report/figure';
import { RESPONSE_WORDS, type AnyResponse } from '../../../../core/report/tableText';
import type { ReportExam, ReportKeyImage, TumorBoardReport } from '../../../../core/report/tumorBoard';

export const REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

/** Colours of the measurement lines on a key image: bright on grey, with a dark halo under them. */
export const LONG_AXIS_COLOUR = '#ffd200';
export const SHORT_AXIS_COLOUR = '#00d4ff';

/** Text for HTML content and attribute values (double- or single-quoted). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const esc = escapeHtml;

/** A coordinate, short: at most two decimals. */
function num(v: number): string {
  return String(Math.round(v * 100) / 100);
}

function strokeAttrs(stroke: string | undefined, width: number | undefined): string {
  return stroke ? ` stroke="${esc(stroke)}" stroke-width="${num(width ?? 1)}"` : '';
}

function itemSvg(it: FigureItem): string {
  switch (it.type) {
    case 'line': {
      const dash = it.dash?.length ? ` stroke-dasharray="${it.dash.map(num).join(' ')}"` : '';
      return `<polyline points="${it.points.map((p) => `${num(p[0])},${num(p[1])}`).join(' ')}" fill="none" stroke="${esc(it.colour)}" stroke-width="${num(it.width)}" stroke-linejoin="round"${dash}/>`;
    }
    case 'rect':
      return `<rect x="${num(it.x)}" y="${num(it.y)}" width="${num(it.w)}" height="${num(it.h)}" fill="${esc(it.fill ?? 'none')}"${strokeAttrs(it.stroke, it.strokeWidth)}/>`;
    case 'circle':
      return `<circle cx="${num(it.cx)}" cy="${num(it.cy)}" r="${num(it.r)}" fill="${esc(it.fill ?? 'none')}"${strokeAttrs(it.stroke, it.strokeWidth)}/>`;
    case 'text': {
      // The model turns counter-clockwise with y up; SVG's rotate() turns clockwise with y down.
      const rot = it.rotate ? ` transform="rotate(${num(-it.rotate)} ${num(it.x)} ${num(it.y)})"` : '';
      const bold = it.bold ? ' font-weight="bold"' : '';
      return `<text x="${num(it.x)}" y="${num(it.y)}" font-size="${num(it.size)}" fill="${esc(it.colour)}" text-anchor="${it.anchor}"${bold}${rot}>${esc(it.text)}</text>`;
    }
  }
}

/**
 * A figure as an inline <svg>: one element per primitive, in the figure's own units (points;
 * the CSS draws one unit as one point, so an 8 pt label prints at 8 pt).
 */
export function figureToSvg(fig: Figure): string {
  return (
    `<svg class="figure-svg" data-figure="${esc(fig.id)}" viewBox="0 0 ${num(fig.width)} ${num(fig.height)}" width="${num(fig.width)}" height="${num(fig.height)}" ` +
    `role="img" aria-label="${esc(fig.title)}" font-family="Helvetica, Arial, 'Liberation Sans', sans-serif">` +
    `<rect x="0" y="0" width="${num(fig.width)}" height="${num(fig.height)}" fill="#ffffff"/>` +
    fig.items.map(itemSvg).join('') +
    `</svg>`
  );
}

// ---- words -----------------------------------------------------------------------------

function badgeClass(r: AnyResponse): string {
  switch (r) {
    case 'CR':
    case 'PR':
      return 'resp-good';
    case 'SD':
    case 'non-CR/non-PD':
      return 'resp-stable';
    case 'PD':
      return 'resp-pd';
    default:
      return 'resp-ne';
  }
}

/** "PR" in its colour followed by "partial response"; a dash when there is none. */
function response(r: AnyResponse | null, words = true): string {
  if (!r) return '<span class="none">—</span>';
  const badge = `<span class="resp ${badgeClass(r)}" data-response="${esc(r)}">${esc(r)}</span>`;
  return words ? `${badge} <span class="resp-words">${esc(RESPONSE_WORDS[r])}</span>` : badge;
}

/** "2024-07-02T10:11:12.345Z" → "2024-07-02 10:11 UTC"; anything else as given. */
export function timeText(s: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (!m) return s;
  const zone = m[3] === 'Z' ? ' UTC' : m[3] ? ` (UTC${m[3]})` : '';
  return `${m[1]} ${m[2]}${zone}`;
}

function pct(v: number | null): string {
  if (v === null) return '—';
  const r = Math.round(v * 10) / 10;
  return `${r > 0 ? '+' : r < 0 ? '−' : '±'}${Math.abs(r).toFixed(1)} %`;
}

function mm(v: number | null): string {
  return v === null ? '—' : `${v.toFixed(1)} mm`;
}

function dateText(d: string | null): string {
  return d ? esc(d) : '<span class="none">no date</span>';
}

const RESEARCH_NOTICE = /research|investigational|not for (clinical|diagnostic)|not cleared|not approved/i;

// ---- sections ----------------------------------------------------------------------------

function header(r: TumorBoardReport): string {
  const p = r.patient;
  const research = r.notices.filter((n) => RESEARCH_NOTICE.test(n));
  return `<header class="doc-header">
<h1>${esc(r.title)}</h1>
<table class="patient" aria-label="Patient">
<tr><th scope="row">Patient</th><td class="patient-name">${esc(p.name)}</td><th scope="row">Patient ID</th><td>${esc(p.patientId)}</td></tr>
<tr><th scope="row">Birth date</th><td>${p.birthDate ? esc(p.birthDate) : '—'}</td><th scope="row">Sex</th><td>${p.sex ? esc(p.sex) : '—'}</td></tr>
</table>
<p class="meta">Generated ${esc(timeText(r.generatedAt))} · ${esc(r.software)} · Prepared by <strong>${esc(r.preparedBy)}</strong></p>
${research.length ? `<p class="research-banner"><strong>Research use.</strong> ${research.map(esc).join(' ')} See Notices.</p>` : ''}
</header>`;
}

function summary(r: TumorBoardReport): string {
  const best = r.bestOverallResponse;
  const bestHtml = best
    ? `<p class="best">Best overall response: ${response(best.response)}</p>${best.explanation.length ? `<ul class="explain">${best.explanation.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>` : ''}`
    : `<p class="best">Best overall response: <span class="none">not available</span>${r.recistErrors.length ? ' (RECIST could not be computed; see Exams)' : ''}</p>`;
  const steps = r.exams
    .map((e) => {
      let state: string;
      if (!e.recist) state = '<span class="none">not assessed</span>';
      else if (e.recist.baseline) state = `<span class="baseline-tag">baseline</span> <span class="sum">${mm(e.recist.sumMm)}</span>`;
      else state = `${response(e.recist.overall)} <span class="sum">${mm(e.recist.sumMm)} · ${pct(e.recist.changeFromBaselinePct)}</span>`;
      return `<li><span class="exam-label">${esc(e.label)}</span> <span class="exam-date">${dateText(e.date)}</span><br>${state}</li>`;
    })
    .join('');
  return `<section id="summary"><h2>Summary</h2>${bestHtml}<ol class="timeline">${steps}</ol></section>`;
}

function examRow(e: ReportExam): string {
  const rc = e.recist;
  const signoff = e.signoff
    ? `${esc(e.signoff.reader)}<br><span class="small nowrap">${esc(timeText(e.signoff.signedAt))}</span>`
    : rc
      ? '<span class="unsigned">not signed</span>'
      : '<span class="none">—</span>';
  const head = `<td><strong>${esc(e.label)}</strong><br><span class="nowrap">${dateText(e.date)}</span></td><td>${esc(e.description)}</td><td>${signoff}</td>`;
  if (!rc) return `<tr class="exam">${head}<td colspan="7" class="none">Not part of the RECIST 1.1 assessment.</td></tr>`;
  const lesions = [rc.newLesions.length ? esc(rc.newLesions.join(', ')) : 'none', rc.equivocalNewLesions.length ? `<br><span class="small">equivocal: ${esc(rc.equivocalNewLesions.join(', '))}</span>` : ''].join('');
  const cells = rc.baseline
    ? `<td class="num">${mm(rc.sumMm)}</td><td class="num">—</td><td class="num">—</td><td colspan="4" class="baseline-tag">Baseline: the reference sum of diameters.</td>`
    : `<td class="num">${mm(rc.sumMm)}</td>` +
      `<td class="num">${pct(rc.changeFromBaselinePct)}</td>` +
      `<td class="num">${pct(rc.changeFromNadirPct)}${rc.nadirMm !== null ? `<br><span class="small">nadir ${mm(rc.nadirMm)}</span>` : ''}</td>` +
      `<td>${response(rc.target)}</td>` +
      `<td>${response(rc.nonTarget)}</td>` +
      `<td>${lesions}</td>` +
      `<td>${response(rc.overall)}</td>`;
  const rule = rc.rule.length ? `<tr class="rule"><td colspan="10"><span class="rule-head">Rule:</span><ul>${rc.rule.map((x) => `<li>${esc(x)}</li>`).join('')}</ul></td></tr>` : '';
  return `<tbody class="exam-group"><tr class="exam">${head}${cells}</tr>${rule}</tbody>`;
}

function examsTable(r: TumorBoardReport): string {
  const errors = r.recistErrors.length
    ? `<div class="errors" role="alert"><strong>RECIST 1.1 could not be computed:</strong><ul>${r.recistErrors.map((x) => `<li>${esc(x)}</li>`).join('')}</ul></div>`
    : '';
  const rows = r.exams.map((e) => (e.recist ? examRow(e) : `<tbody class="exam-group">${examRow(e)}</tbody>`)).join('');
  return `<section id="exams"><h2>Exams</h2>${errors}
<table class="exams">
<thead><tr><th>Exam</th><th>Description</th><th>Sign-off</th><th>Sum of diameters</th><th>Change from baseline</th><th>Change from nadir</th><th>Target</th><th>Non-target</th><th>New lesions</th><th>Overall response</th></tr></thead>
${rows}
</table></section>`;
}

function lesionTable(r: TumorBoardReport): string {
  const examHeads = r.exams.map((e) => `<th class="exam-col">${esc(e.label)}<br><span class="small">${dateText(e.date)}</span></th>`).join('');
  const body = r.rows
    .map((row) => {
      const cells = row.cells
        .map((c) => {
          const status = c.status && c.status !== 'measured' ? ` data-status="${esc(c.status)}"` : '';
          return `<td class="cell"${status}>${c.diameters ? `<span class="nowrap">${esc(c.diameters)}</span>` : '<span class="none">—</span>'}${c.volume ? `<br><span class="vol">${esc(c.volume)}</span>` : ''}</td>`;
        })
        .join('');
      return `<tr><th scope="row" class="lesion-label">${esc(row.label)}</th><td>${esc(row.role)}</td><td>${esc(row.site)}</td>${cells}<td>${esc(row.growth)}</td><td>${row.note ? esc(row.note) : ''}</td></tr>`;
    })
    .join('\n');
  const burdenRow = (title: string, key: 'totalLesionVolume' | 'liverVolume' | 'tumorBurden') =>
    `<tr class="burden"><th scope="row" colspan="3">${title}</th>${r.burden.map((b) => `<td class="num">${esc(b[key])}</td>`).join('')}<td colspan="2"></td></tr>`;
  const foot = r.burden.length
    ? `<tfoot>${burdenRow('Total lesion volume', 'totalLesionVolume')}${burdenRow('Liver volume', 'liverVolume')}${burdenRow('Tumour burden (lesions / liver)', 'tumorBurden')}</tfoot>`
    : '';
  return `<section id="lesions"><h2>Lesions</h2>
<table class="lesions">
<thead><tr><th>Lesion</th><th>Role</th><th>Site</th>${examHeads}<th>Growth</th><th>Note</th></tr></thead>
<tbody>${body || `<tr><td colspan="${5 + r.exams.length}" class="none">No lesions recorded.</td></tr>`}</tbody>
${foot}
</table>
<p class="small">Diameters: long × short axis of the measurement of record; volume from the lesion mask. Growth: volume doubling time (VDT) between the last two volumes.</p>
</section>`;
}

function figures(r: TumorBoardReport): string {
  if (!r.figures.length) return `<section id="figures"><h2>Figures</h2><p class="none">No plot: no target lesion measured on two exams and no lesion volume.</p></section>`;
  const figs = r.figures
    .map(
      (f, i) =>
        `<figure class="plot" id="figure-${esc(f.id)}"><figcaption class="plot-title">Figure ${i + 1}. ${esc(f.title)}</figcaption>${figureToSvg(f)}<p class="caption">${esc(f.caption)}</p></figure>`,
    )
    .join('\n');
  return `<section id="figures"><h2>Figures</h2>${figs}</section>`;
}

/** A round scale-bar length (mm) about a fifth of the field of view. */
export function scaleBarMm(fovMm: number): number {
  const nice = [1, 2, 5, 10, 20, 50, 100, 200];
  return [...nice].reverse().find((v) => v <= fovMm * 0.3) ?? nice[0];
}

function keyImageTile(k: ReportKeyImage, widthPct: number, exam: ReportExam | undefined): string {
  const data = `data:image/png;base64,${Buffer.from(k.png).toString('base64')}`;
  const fovMm = k.widthPx * k.mmPerPixel;
  const bar = scaleBarMm(fovMm);
  const lines = k.lines
    .map((l) => {
      const xy = `x1="${num(l.from[0])}" y1="${num(l.from[1])}" x2="${num(l.to[0])}" y2="${num(l.to[1])}"`;
      const colour = l.kind === 'long' ? LONG_AXIS_COLOUR : SHORT_AXIS_COLOUR;
      return (
        `<line class="halo" ${xy} stroke="#000000" stroke-opacity="0.75" stroke-width="4" stroke-linecap="round" vector-effect="non-scaling-stroke"/>` +
        `<line class="axis-${l.kind}" data-kind="${l.kind}" ${xy} stroke="${colour}" stroke-width="1.8" stroke-linecap="round" vector-effect="non-scaling-stroke"/>`
      );
    })
    .join('');
  const alt = `${k.lesionLabel}, ${k.examLabel}${k.date ? ` ${k.date}` : ''}`;
  return `<div class="ki-tile" style="width:${num(widthPct)}%" data-study="${k.studyRowId}">
<div class="ki-head"><strong>${esc(k.examLabel)}</strong> ${dateText(k.date)}${exam?.recist?.overall ? ` ${response(exam.recist.overall, false)}` : ''}</div>
<div class="ki-frame">
<img src="${data}" width="${k.widthPx}" height="${k.heightPx}" alt="${esc(alt)}">
<svg class="ki-overlay" viewBox="0 0 ${num(k.widthPx)} ${num(k.heightPx)}" preserveAspectRatio="none" aria-hidden="true">${lines}</svg>
<span class="ori ori-right">${esc(k.orientation.right)}</span>
<span class="ori ori-bottom">${esc(k.orientation.bottom)}</span>
<div class="scalebar" style="width:${num((bar / fovMm) * 100)}%"><span>${bar} mm</span></div>
</div>
<p class="ki-caption">${esc(k.caption)}<br><span class="small">Window C ${num(k.window.center)} / W ${num(k.window.width)} HU · ${num(fovMm)} mm field of view</span></p>
</div>`;
}

function keyImages(r: TumorBoardReport): string {
  if (!r.keyImages.length) return '';
  const examOrder = new Map(r.exams.map((e, i) => [e.studyRowId, i]));
  const exams = new Map(r.exams.map((e) => [e.studyRowId, e]));
  const rowOrder = new Map(r.rows.map((row, i) => [row.lesionId, i]));
  const groups = new Map<number, ReportKeyImage[]>();
  for (const k of r.keyImages) groups.set(k.lesionId, [...(groups.get(k.lesionId) ?? []), k]);
  // One tile size for the whole report (3 or 4 to a row), so every lesion is shown at one scale.
  const perRow = Math.min(4, Math.max(3, ...[...groups.values()].map((g) => g.length)));
  const ordered = [...groups.entries()].sort((a, b) => (rowOrder.get(a[0]) ?? 1e9) - (rowOrder.get(b[0]) ?? 1e9) || a[0] - b[0]);
  const html = ordered
    .map(([lesionId, imgs]) => {
      const sorted = [...imgs].sort(
        (a, b) => (a.date ?? '9999').localeCompare(b.date ?? '9999') || (examOrder.get(a.studyRowId) ?? 1e9) - (examOrder.get(b.studyRowId) ?? 1e9),
      );
      // Same scale across the row: a tile's image is as wide as its field of view.
      const maxFov = Math.max(...sorted.map((k) => k.widthPx * k.mmPerPixel));
      const row = r.rows.find((x) => x.lesionId === lesionId);
      const tiles = sorted.map((k) => keyImageTile(k, (100 / perRow) * ((k.widthPx * k.mmPerPixel) / maxFov), exams.get(k.studyRowId))).join('\n');
      const about = row ? ` <span class="small">${esc([row.role, row.site].filter(Boolean).join(' · '))}</span>` : '';
      return `<div class="ki-group" data-lesion="${esc(sorted[0].lesionLabel)}"><h3>${esc(sorted[0].lesionLabel)}${about}</h3><div class="ki-row">${tiles}</div></div>`;
    })
    .join('\n');
  return `<section id="key-images"><h2>Key images</h2>
<p class="small legend"><span class="swatch" style="background:${LONG_AXIS_COLOUR}"></span> long axis <span class="swatch" style="background:${SHORT_AXIS_COLOUR}"></span> short axis (measurement of record) · images of a lesion are shown at the same scale, oldest first.</p>
${html}</section>`;
}

function provenance(r: TumorBoardReport): string {
  if (!r.provenance.length) return '';
  const rows = r.provenance
    .map((p) => `<tr><td class="lesion-label">${esc(p.lesionLabel)}</td><td>${esc(p.what)}</td><td>${esc(p.model)}</td><td>${esc(p.version)}</td><td>${esc(p.state)}</td><td>${p.intendedUse ? esc(p.intendedUse) : '—'}</td></tr>`)
    .join('');
  return `<section id="provenance"><h2>Model provenance</h2>
<table class="provenance"><thead><tr><th>Lesion</th><th>Finding</th><th>Model</th><th>Version</th><th>Review</th><th>Intended use</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function notices(r: TumorBoardReport): string {
  if (!r.notices.length) return '';
  const items = r.notices.map((n) => `<li${RESEARCH_NOTICE.test(n) ? ' class="notice-research"' : ''}>${esc(n)}</li>`).join('');
  return `<section id="notices"><h2>Notices</h2><ul class="notices">${items}</ul></section>`;
}

const CSS = `
@page { size: A4; margin: 14mm 12mm 16mm 12mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; background: #fff; }
body { margin: 0 auto; padding: 10mm 8mm; max-width: 210mm; color: #000; background: #fff;
  font-family: "Helvetica Neue", Helvetica, Arial, "Liberation Sans", "DejaVu Sans", sans-serif; font-size: 9.5pt; line-height: 1.35; }
@media print { body { padding: 0; max-width: none; } }
h1 { font-size: 15pt; margin: 0 0 6pt; }
h2 { font-size: 11.5pt; margin: 14pt 0 6pt; padding-bottom: 2pt; border-bottom: 1.2pt solid #000; break-after: avoid; page-break-after: avoid; }
h3 { font-size: 10pt; margin: 8pt 0 4pt; break-after: avoid; page-break-after: avoid; }
table { border-collapse: collapse; width: 100%; font-size: 8pt; }
th, td { border: 0.5pt solid #9a9a9a; padding: 2pt 3.5pt; text-align: left; vertical-align: top; }
thead th { background: #ececec; font-weight: bold; }
thead { display: table-header-group; }
tr, .exam-group { break-inside: avoid; page-break-inside: avoid; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.nowrap { white-space: nowrap; }
.small { font-size: 7.5pt; color: #333; }
.none { color: #666; }
.patient { width: auto; font-size: 9.5pt; margin-bottom: 4pt; }
.patient th { background: #f4f4f4; font-weight: normal; color: #333; }
.patient td { min-width: 34mm; font-weight: bold; }
.meta { margin: 2pt 0; color: #222; }
.research-banner { margin: 6pt 0 0; padding: 4pt 6pt; border: 1.5pt solid #b00020; background: #fff3f3; color: #000; }
.resp { display: inline-block; min-width: 2.6em; padding: 0 3pt; border-radius: 2.5pt; font-weight: bold; text-align: center; color: #fff; white-space: nowrap; }
.resp-good { background: #1b7f3b; }
.resp-stable { background: #e0a100; color: #000; }
.resp-pd { background: #c62828; }
.resp-ne { background: #7d7d7d; }
.resp-words { white-space: normal; }
.best { font-size: 11pt; margin: 2pt 0 4pt; }
.best .resp { font-size: 11pt; }
.explain { margin: 0 0 6pt; padding-left: 14pt; font-size: 8pt; color: #222; }
.timeline { list-style: none; display: flex; flex-wrap: wrap; gap: 4pt; padding: 0; margin: 4pt 0; }
.timeline li { border: 0.5pt solid #9a9a9a; border-radius: 3pt; padding: 3pt 5pt; min-width: 28mm; }
.exam-label { font-weight: bold; }
.exam-date, .sum { color: #333; font-size: 8pt; }
.baseline-tag { font-style: italic; color: #333; }
.unsigned { color: #8a5a00; font-style: italic; font-weight: bold; }
.rule td { border-top: none; background: #fafafa; font-size: 7.5pt; color: #222; }
.rule ul { display: inline; margin: 0; padding: 0; }
.rule li { display: inline; }
.rule li + li::before { content: " · "; }
.rule-head { font-weight: bold; margin-right: 3pt; }
.errors { border: 1pt solid #c62828; padding: 4pt 6pt; margin-bottom: 6pt; }
.errors ul { margin: 2pt 0 0; padding-left: 14pt; }
.lesions .lesion-label { font-weight: bold; white-space: nowrap; }
.lesions .cell[data-status] { color: #333; font-style: italic; }
.vol { color: #333; }
.burden th { font-weight: normal; background: #f4f4f4; }
.burden td, .burden th { border-top: 1pt solid #555; }
.plot { margin: 6pt 0 12pt; break-inside: avoid; page-break-inside: avoid; }
.plot-title { font-weight: bold; font-size: 9pt; margin-bottom: 2pt; }
.figure-svg { display: block; width: 100%; max-width: 500pt; height: auto; }
.caption { font-size: 8pt; color: #222; margin: 2pt 0 0; max-width: 500pt; }
.legend .swatch { display: inline-block; width: 14pt; height: 3pt; vertical-align: middle; border: 0.5pt solid #000; }
.ki-group { break-inside: avoid; page-break-inside: avoid; margin-bottom: 8pt; }
.ki-row { display: flex; flex-wrap: wrap; gap: 0; align-items: flex-start; break-inside: avoid; page-break-inside: avoid; }
.ki-tile { padding: 0 3pt 4pt 0; }
.ki-head { font-size: 8pt; margin-bottom: 1pt; }
.ki-frame { position: relative; background: #000; line-height: 0; }
.ki-frame img { display: block; width: 100%; height: auto; }
.ki-overlay { position: absolute; left: 0; top: 0; width: 100%; height: 100%; overflow: visible; }
.ori { position: absolute; color: #fff; font-weight: bold; font-size: 10pt; line-height: 1; text-shadow: 0 0 2px #000, 0 0 2px #000; }
.ori-right { right: 3pt; top: 50%; transform: translateY(-50%); }
.ori-bottom { bottom: 3pt; left: 50%; transform: translateX(-50%); }
.scalebar { position: absolute; left: 5pt; bottom: 6pt; height: 2.5pt; background: #fff; box-shadow: 0 0 0 0.8pt #000; }
.scalebar span { position: absolute; left: 0; bottom: 4pt; color: #fff; font-size: 7.5pt; line-height: 1; white-space: nowrap; text-shadow: 0 0 2px #000, 0 0 2px #000; }
.ki-caption { font-size: 7.5pt; margin: 2pt 0 0; line-height: 1.3; }
.provenance td { font-size: 8pt; }
.notices { padding-left: 14pt; }
.notices li { margin-bottom: 3pt; }
.notice-research { font-weight: bold; border: 1.5pt solid #b00020; background: #fff3f3; padding: 3pt 6pt; list-style: none; margin-left: -14pt; }
footer { margin-top: 14pt; border-top: 0.5pt solid #999; padding-top: 3pt; font-size: 7.5pt; color: #444; }
`;

/** The whole report as one HTML document: inline CSS, inline SVG, data: images, nothing to fetch. */
export function renderReportHtml(report: TumorBoardReport): string {
  const r = report;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(r.title)} — ${esc(r.patient.name)}</title>
<style>${CSS}</style>
</head>
<body>
${header(r)}
${summary(r)}
${examsTable(r)}
${lesionTable(r)}
${figures(r)}
${keyImages(r)}
${provenance(r)}
${notices(r)}
<footer>${esc(r.title)} · ${esc(r.patient.name)} (${esc(r.patient.patientId)}) · generated ${esc(timeText(r.generatedAt))} by ${esc(r.software)}</footer>
</body>
</html>
`;
}
