/**
 * The whole follow-up workflow headless, end to end, through the CLI only: a three-exam
 * phantom patient (a metastasis that appears on exam 2, one that disappears on exam 3, one that
 * splits and two that merge there) is imported, the shipped model runs on each exam (real
 * inference), its lesion proposals are accepted, each follow-up is matched against the lesions
 * known before it (elastix registration first), and the review queue is decided as a reader
 * would, knowing the phantom's truth. The overall response per exam must equal the one RECIST
 * 1.1 gives on the phantom's truth; lesions first seen on a follow-up are never baseline
 * lesions; a disappeared target counts 0 mm once confirmed; a signed exam is locked.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcceptProposalResult, AiProposal, AiRun, FollowUpMatchResult, FollowUpReviewItem } from '../core/api/types';
import { assessRecist } from '../core/recist/assess';
import type { RecistCase, RecistTimepoint } from '../core/recist/types';
import { validateRecistCase } from '../core/recist/validate';
import { writePatient, type PhantomTruth } from '../tools/phantom/index';
import type { ModelMonitoring } from '../core/api/domains/ai';
import type { tableReport } from './workflowCli';

const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'lng-wf-'));
const home = join(dir, 'home');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Table = ReturnType<typeof tableReport>;

function cli(args: string[], reader = 'Dr A. Jones'): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'main', 'cli.ts'), ...args, '--home', home, '--reader', reader], { encoding: 'utf8', cwd: ROOT });
  return { status: r.status, out: r.stdout, err: r.stderr };
}
/** A command that must succeed, its JSON output. */
function ok<T>(...args: string[]): T {
  const r = cli([...args, '--json']);
  if (r.status !== 0) throw new Error(`longitude ${args.join(' ')} exited ${r.status}: ${r.err}`);
  return JSON.parse(r.out) as T;
}

let truth: PhantomTruth;
const seriesIds: number[] = [];
const studyIds: number[] = [];
/** Lesion row id → phantom truth id (null: a finding with no lesion there, a false positive). */
const truthOf = new Map<number, string | null>();
const dist = (a: readonly number[], b: readonly number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

beforeAll(async () => {
  const written = await writePatient(join(dir, 'phantom'), { seed: 'wf1', size: 160, slices: 60, sliceMm: 3, timepoints: 3, patientId: 'WF-001' });
  truth = written.truth;
  for (const s of written.seriesDirs) ok('import', s);
  const list = ok<{ patients: { patientId: string; studies: { id: number; date: string; series: { id: number }[] }[] }[] }>('list');
  const studies = list.patients[0].studies.sort((a, b) => a.date.localeCompare(b.date));
  for (const st of studies) {
    studyIds.push(st.id);
    seriesIds.push(st.series[0].id);
  }
}, 120_000);

/** Runs the model on exam t and accepts its lesion proposals; maps each new lesion to the truth lesion at its centroid. */
function readExam(t: number): void {
  const { run } = ok<{ run: AiRun; proposals: AiProposal[] }>('ai', 'run', '--series', String(seriesIds[t]));
  expect(run.status).toBe('done');
  const { accepted } = ok<{ accepted: AcceptProposalResult[] }>('ai', 'accept', '--run', String(run.id));
  for (const a of accepted) {
    const near = truth.timepoints[t].lesions.map((l) => ({ id: l.id, d: dist(l.centreMm, a.proposal.centroidLps) })).sort((x, y) => x.d - y.d)[0];
    truthOf.set(a.lesion!.id, near && near.d < 8 ? near.id : null);
  }
}

const course = (id: string) => truth.lesions.find((l) => l.id === id)!;
const presentAt = (id: string, t: number) => truth.timepoints[t].lesions.some((l) => l.id === id);

/** What a reader who knows the truth says to each open item of exam t. */
function decideQueue(t: number): { confirmed: string[]; rejected: string[] } {
  const confirmed: string[] = [];
  const rejected: string[] = [];
  const { items } = ok<{ items: FollowUpReviewItem[] }>('followup', 'queue', '--patient', 'WF-001', '--all');
  const links = linksOf(t);
  for (const item of items.filter((i) => i.followUpStudyRowId === studyIds[t])) {
    let right: boolean;
    if (item.itemId.startsWith('link-')) {
      const link = links.find((l) => `link-${l.id}` === item.itemId)!;
      const from = truthOf.get(link.fromLesionId) ?? null;
      const to = truthOf.get(link.toLesionId) ?? null;
      right =
        from !== null &&
        to !== null &&
        (link.kind === 'match' ? from === to : link.kind === 'split' ? course(to).splitFrom === from : course(from).mergedInto === to);
      // A confident link is already applied: a wrong one is unlinked; a right one stays.
      if (item.status === 'confirmed') {
        if (!right) {
          ok('followup', 'reject', item.itemId);
          rejected.push(item.itemId);
        }
        continue;
      }
    } else {
      if (item.status !== 'proposed') continue;
      const lesionId = findingLesion(item.itemId);
      const id = truthOf.get(lesionId) ?? null;
      right = item.kind === 'new' ? id !== null && course(id).course === 'appear' : id !== null && !presentAt(id, t) && !course(id).mergedInto;
      // No truth lesion may look new or gone when it is not: that would be the matching's error, not the reader's.
      if (id !== null) expect(right, `${item.itemId} (${item.description}) against truth ${id}`).toBe(true);
    }
    if (item.status !== 'proposed') continue;
    ok('followup', right ? 'confirm' : 'reject', item.itemId);
    (right ? confirmed : rejected).push(item.itemId);
  }
  return { confirmed, rejected };
}

const matchResults: FollowUpMatchResult[] = [];
function linksOf(t: number): FollowUpMatchResult['links'] {
  return matchResults.filter((m) => m.followUpStudyRowId === studyIds[t]).flatMap((m) => m.links);
}
function findingLesion(itemId: string): number {
  const f = matchResults.flatMap((m) => m.findings).find((x) => `finding-${x.id}` === itemId);
  return f!.lesionId;
}

/** RECIST 1.1 on the phantom's truth (axial long axes), with the roles the reader gave. */
function truthResponses(roles: Map<string, 'target' | 'non-target'>): string[] {
  const malignant = truth.lesions.filter((l) => l.type === 'metastasis' && !l.splitFrom);
  const appeared = malignant.filter((l) => l.course === 'appear').map((l) => l.id);
  const c: RecistCase = {
    lesions: malignant.map((l) => ({ id: l.id, organ: 'liver', role: appeared.includes(l.id) ? 'new' : roles.get(l.id)!, lymphNode: false })),
    timepoints: truth.timepoints.map((tp, t): RecistTimepoint => {
      const axial = (id: string) => tp.lesions.find((l) => l.id === id)?.axialLongAxisMm ?? null;
      const target: RecistTimepoint['target'] = {};
      const nonTarget: NonNullable<RecistTimepoint['nonTarget']> = {};
      for (const l of malignant) {
        if (appeared.includes(l.id)) continue;
        const merged = l.mergedInto && !presentAt(l.id, t);
        const fragments = truth.lesions.filter((f) => f.splitFrom === l.id && presentAt(f.id, t)).map((f) => ({ longAxisMm: axial(f.id)! }));
        if (roles.get(l.id) === 'target') {
          if (merged) target[l.id] = roles.get(l.mergedInto!) === 'target' ? { mergedInto: l.mergedInto! } : { longAxisMm: axial(l.mergedInto!)! };
          else if (fragments.length) target[l.id] = { fragments: [{ longAxisMm: axial(l.id)! }, ...fragments] };
          else target[l.id] = axial(l.id) !== null ? { longAxisMm: axial(l.id)! } : { status: 'disappeared' };
        } else nonTarget[l.id] = presentAt(l.id, t) && !merged ? 'present' : 'absent';
      }
      const newIds = appeared.filter((id) => presentAt(id, t));
      return { date: `${tp.studyDate.slice(0, 4)}-${tp.studyDate.slice(4, 6)}-${tp.studyDate.slice(6, 8)}`, target, nonTarget, newLesions: t > 0 && newIds.length ? newIds : false };
    }),
  };
  const v = validateRecistCase(c);
  if (!v.ok) throw new Error(v.errors.join('; '));
  return assessRecist(v.value).timepoints.map((tp) => tp.overallResponse ?? 'baseline');
}

describe('the follow-up workflow through the CLI on a three-exam phantom', () => {
  it('runs the model on each exam, matches each follow-up against every lesion known before it, and the responses equal RECIST 1.1 on the truth', { timeout: 600_000 }, () => {
    for (let t = 0; t < 3; t++) readExam(t);
    // Before any matching, follow-up findings are provisional: neither baseline lesions nor new.
    const unmatched = ok<Table>('table', '--patient', 'WF-001');
    expect(unmatched.lesions.filter((l) => l.firstSeenStudyRowId !== studyIds[0] && l.role !== 'benign').every((l) => l.role === 'unmatched')).toBe(true);
    expect(unmatched.exams[1].explanation.join(' ')).toMatch(/Not yet matched/);

    // The reader's targets: the metastasis that will disappear and the one that grows; the others non-target.
    const disappearing = truth.events.find((e) => e.kind === 'disappear')!.from[0];
    const growing = truth.lesions.find((l) => l.course === 'grow')!.id;
    const baselineLesions = [...truthOf].filter(([, id]) => id !== null && truth.timepoints[0].lesions.some((l) => l.id === id));
    const rowOf = (id: string) => baselineLesions.find(([, x]) => x === id)![0];
    const roles = new Map<string, 'target' | 'non-target'>();
    for (const [row, id] of baselineLesions) {
      if (course(id!).type !== 'metastasis') continue;
      const role = id === disappearing || id === growing ? 'target' : 'non-target';
      roles.set(id!, role);
      ok('lesion', 'set', '--lesion', String(row), '--role', role);
    }

    // Exam 2: the appearing metastasis is new at this exam.
    matchResults.push(ok<FollowUpMatchResult>('followup', 'match', '--baseline', String(seriesIds[0]), '--followup', String(seriesIds[1])));
    const appeared = truth.events.find((e) => e.kind === 'appear')!;
    expect(appeared.timepoint).toBe(1);
    const newRows = matchResults[0].findings.filter((f) => f.kind === 'new').map((f) => f.lesionId);
    expect(newRows.map((r) => truthOf.get(r))).toContain(appeared.to[0]);
    decideQueue(1);
    const afterTwo = ok<Table>('table', '--patient', 'WF-001');
    const newLesion = afterTwo.lesions.find((l) => truthOf.get(l.lesionId) === appeared.to[0])!;
    expect(newLesion).toMatchObject({ role: 'new', firstSeenStudyRowId: studyIds[1] });
    expect(afterTwo.exams[1]).toMatchObject({ overallResponse: 'PD', newLesionIds: [newLesion.label] });
    // Its history starts on exam 2: nothing on the baseline, where it is no target, non-target or "not evaluated".
    expect(afterTwo.exams[0].explanation.join(' ')).not.toContain(newLesion.label);
    expect(newLesion.cells[0].status).toBeNull();

    // Exam 3 against every lesion known before it: the exam-2 lesion is found again, not new a second time.
    matchResults.push(ok<FollowUpMatchResult>('followup', 'match', '--baseline', String(seriesIds[0]), '--followup', String(seriesIds[2])));
    const m3 = matchResults[1];
    expect(m3.findings.filter((f) => f.kind === 'new').map((f) => truthOf.get(f.lesionId))).not.toContain(appeared.to[0]);
    expect(m3.links.some((l) => l.fromLesionId === newLesion.lesionId && l.kind === 'match')).toBe(true);
    const gone = m3.findings.find((f) => f.kind === 'disappeared' && truthOf.get(f.lesionId) === disappearing)!;
    expect(gone).toBeDefined();
    // Until the reader confirms, the response says exactly what is missing.
    const waiting = ok<Table>('table', '--patient', 'WF-001');
    expect(waiting.exams[2].explanation.join(' ')).toContain(`no counterpart of ${gone.label}`);
    const { confirmed } = decideQueue(2);
    expect(confirmed).toContain(`finding-${gone.id}`);

    const final = ok<Table>('table', '--patient', 'WF-001');
    expect(final.recistErrors).toEqual([]);
    const target = final.lesions.find((l) => l.lesionId === rowOf(disappearing))!;
    expect(target.cells[2].status).toBe('disappeared');
    expect(final.exams[2].explanation.join(' ')).toContain(`${target.label} 0 mm (disappeared)`);
    expect(final.exams.map((e) => e.overallResponse ?? 'baseline')).toEqual(truthResponses(roles));
    expect(final.exams[1].overallResponse).toBe('PD');
  });

  it('an equivocal new lesion is PD only once a later exam confirms it, dated from its first appearance', { timeout: 120_000 }, () => {
    const item = matchResults[0].findings.find((f) => f.kind === 'new' && truthOf.get(f.lesionId) === truth.events.find((e) => e.kind === 'appear')!.to[0])!;
    ok('followup', 'reopen', `finding-${item.id}`);
    ok('followup', 'equivocal', `finding-${item.id}`);
    const t = ok<Table>('table', '--patient', 'WF-001');
    // Seen again on exam 3 (matched, not marked equivocal there): confirmed, so exam 2 is PD, dated from exam 2.
    expect(t.exams[1].overallResponse).toBe('PD');
    expect(t.exams[1].explanation.join(' ')).toMatch(new RegExp(`${item.label} was equivocal here and confirmed on ${t.exams[2].date}`));
    ok('followup', 'reopen', `finding-${item.id}`);
    ok('followup', 'confirm', `finding-${item.id}`);
  });

  it('a signed exam is locked, shows who signed it, and reopens only with a reason', { timeout: 120_000 }, () => {
    const signed = ok<{ reader: { name: string }; summary: { overallResponse: string } }>('signoff', '--exam', String(studyIds[1]));
    expect(signed).toMatchObject({ reader: { name: 'Dr A. Jones' }, summary: { overallResponse: 'PD' } });
    expect(ok<Table>('table', '--patient', 'WF-001').exams[1].signedBy?.reader.name).toBe('Dr A. Jones');
    const finding = matchResults[0].findings.find((f) => f.kind === 'new')!;
    const refused = cli(['followup', 'reopen', `finding-${finding.id}`]);
    expect(refused.status).toBe(2);
    expect(refused.err).toMatch(/signed by Dr A\. Jones.*locked/);
    expect(cli(['signoff', '--exam', String(studyIds[1]), '--reopen']).status).toBe(2);
    const reopened = ok<{ reopenedBy: { name: string }; reopenReason: string }>('signoff', '--exam', String(studyIds[1]), '--reopen', '--reason', 'addendum');
    expect(reopened).toMatchObject({ reopenReason: 'addendum', reopenedBy: { name: 'Dr A. Jones' } });
  });

  it('monitoring counts the findings the reader called not a lesion as false positives, beside the accepts', { timeout: 60_000 }, () => {
    const [model] = ok<ModelMonitoring[]>('ai', 'monitor');
    const notALesion = matchResults.flatMap((m) => m.findings).filter((f) => f.kind === 'new' && truthOf.get(f.lesionId) === null).length;
    expect(model.runs).toHaveLength(3);
    expect(model.totals.falsePositives).toBe(notALesion);
    expect(model.totals.truePositives).toBeGreaterThanOrEqual(truth.timepoints.reduce((n, tp) => n + tp.lesions.length, 0) - 3);
    expect(model.totals.sensitivity).toBe(1);
  });

  it('exports each exam as a DICOM SEG: a lesion keeps its Tracking UID across exams, and the model is named where it made the mask', { timeout: 120_000 }, () => {
    const uids = new Map<string, string[]>();
    for (const t of [0, 2]) {
      const r = ok<{ file: string; segments: { label: string; trackingUid: string; algorithmType: string }[] }>('export', 'seg', '--exam', String(studyIds[t]), '--out', join(dir, 'seg'));
      for (const s of r.segments) uids.set(s.label, [...(uids.get(s.label) ?? []), s.trackingUid]);
      expect(r.segments.filter((s) => s.label !== 'Liver').every((s) => s.algorithmType === 'AUTOMATIC')).toBe(true);
      const dump = spawnSync('dcmdump', ['+P', 'SegmentAlgorithmName', r.file], { encoding: 'utf8' }).stdout;
      expect(dump).toContain('longitude-liver-lesions');
    }
    // The exam's TID 1500 report: the same Tracking UIDs; dciodvfy and PixelMed's template validator find no error.
    const sr = ok<{ file: string; groups: { label: string; trackingUid: string }[]; overallResponse: string }>('export', 'sr', '--exam', String(studyIds[2]), '--out', join(dir, 'sr'));
    expect(sr.overallResponse).toBe('PD');
    for (const g of sr.groups) if (uids.has(g.label)) expect(uids.get(g.label)!.at(-1)).toBe(g.trackingUid);
    expect(spawnSync('dciodvfy', [sr.file], { encoding: 'utf8' }).stderr.split('\n').filter((l) => l.startsWith('Error'))).toEqual([]);
    if (existsSync('/usr/share/java/pixelmed.jar')) {
      const v = spawnSync('java', ['-Djdk.xml.xpathExprOpLimit=0', '-Djdk.xml.xpathExprGrpLimit=0', '-Djdk.xml.xpathTotalOpLimit=0', '-cp', '/usr/share/java/pixelmed.jar', 'com.pixelmed.validate.DicomSRValidator', sr.file], { encoding: 'utf8' });
      expect(v.stdout + v.stderr).toContain('Found Root Template TID_1500');
      expect((v.stdout + v.stderr).split('\n').filter((l) => l.startsWith('Error'))).toEqual([]);
    }
    // The lesions followed from exam 1 to exam 3 carry the same Tracking UID in both SEGs.
    const followed = [...uids.entries()].filter(([label, list]) => label !== 'Liver' && list.length === 2);
    expect(followed.length).toBeGreaterThanOrEqual(3);
    for (const [, [a, b]] of followed) expect(b).toBe(a);
  });

  it('exports the table as CSV (RFC 4180): a row per lesion per exam from its first sighting, the responses of the table, identifiers only on request', { timeout: 60_000 }, () => {
    const file = join(dir, 'table.csv');
    expect(ok<{ rows: number }>('export', 'csv', '--patient', 'WF-001', '--out', file).rows).toBeGreaterThan(10);
    const parsed = spawnSync('/usr/bin/python3', ['-c', 'import csv,json,sys; print(json.dumps(list(csv.DictReader(open(sys.argv[1], newline="")))))', file], { encoding: 'utf8' });
    const rows = JSON.parse(parsed.stdout) as Record<string, string>[];
    const table = ok<Table>('table', '--patient', 'WF-001');
    for (const r of rows) {
      const exam = table.exams.find((e) => e.studyRowId === Number(r.study_row_id))!;
      expect(r.overall_response).toBe(exam.overallResponse ?? (exam.baseline ? 'baseline' : ''));
      expect(r.patient_id).toBe('');
    }
    const appearedLabel = table.lesions.find((l) => l.role === 'new')!.label;
    expect(rows.filter((r) => r.lesion === appearedLabel).map((r) => r.time_point)).toEqual(['follow-up 1', 'follow-up 2']);
    const withIds = join(dir, 'all.csv');
    ok('export', 'csv', '--all', '--identifiers', '--out', withIds);
    expect(spawnSync('head', ['-2', withIds], { encoding: 'utf8' }).stdout.split('\r\n')[1]).toMatch(/^WF-001,/);
  });

  it('invalid use exits 2 and names the problem', () => {
    const r = cli(['followup', 'confirm', 'bogus-1']);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/not an item id/);
    expect(cli(['table', '--patient', 'NO-SUCH']).status).toBe(2);
    expect(cli(['ai', 'accept']).status).toBe(2);
  });
});

