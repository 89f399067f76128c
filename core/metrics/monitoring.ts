/**
 * Monitoring of a model in reading: what the readers made of its lesion proposals, per run
 * (one run = one exam) and over time. Per proposal, its last word counts: a proposal with a
 * 'rejected' event is a false positive (rejected at once, or accepted and later found not to
 * be a lesion); otherwise one with an 'accepted' or 'edited' event is a true positive, and
 * its Dice is the last one logged (1 as drawn, the edit's value after an edit). Each
 * 'missed' lesion is a false negative. Sensitivity and false positives per exam are pooled
 * (every lesion counts once), so a run with no lesion leaves sensitivity undefined (null)
 * rather than 0 or 1.
 */
import type { MonitoringFigures, MonitoringRun, ModelMonitoring } from '../api/domains/ai';
import type { AgreementEntry } from '../api/types';

/** A logged event, as the monitoring needs it (lesion proposals and misses only). */
export type MonitoringEvent = Pick<AgreementEntry, 'id' | 'runId' | 'proposalId' | 'lesionId' | 'event' | 'dice' | 'at'>;

/** A run with at least one logged event. */
export interface MonitoringRunInfo {
  runId: number;
  modelId: string;
  modelVersion: string;
  seriesId: number;
  studyDate: string | null;
  finishedAt: string | null;
  /** Lesion proposals of the run still undecided. */
  undecided: number;
}

/** Pooled counts of one or more runs; Dice summed over the true positives. */
export interface MonitoringCounts {
  exams: number;
  truePositives: number;
  edited: number;
  falsePositives: number;
  falseNegatives: number;
  diceSum: number;
}

const ZERO: MonitoringCounts = { exams: 0, truePositives: 0, edited: 0, falsePositives: 0, falseNegatives: 0, diceSum: 0 };

function add(a: MonitoringCounts, b: MonitoringCounts): MonitoringCounts {
  return {
    exams: a.exams + b.exams,
    truePositives: a.truePositives + b.truePositives,
    edited: a.edited + b.edited,
    falsePositives: a.falsePositives + b.falsePositives,
    falseNegatives: a.falseNegatives + b.falseNegatives,
    diceSum: a.diceSum + b.diceSum,
  };
}

/** Sensitivity, false positives per exam and mean Dice from pooled counts; each null where undefined. */
export function monitoringFigures(c: MonitoringCounts): MonitoringFigures {
  const found = c.truePositives + c.falseNegatives;
  return {
    exams: c.exams,
    truePositives: c.truePositives,
    edited: c.edited,
    falsePositives: c.falsePositives,
    falseNegatives: c.falseNegatives,
    sensitivity: found > 0 ? c.truePositives / found : null,
    falsePositivesPerExam: c.exams > 0 ? c.falsePositives / c.exams : null,
    meanDice: c.truePositives > 0 ? c.diceSum / c.truePositives : null,
  };
}

/** The counts of one run from its events (any order). */
function countRun(events: readonly MonitoringEvent[]): MonitoringCounts {
  const ordered = [...events].sort((a, b) => a.at.localeCompare(b.at) || a.id - b.id);
  const proposals = new Map<number, { rejected: boolean; dice: number | null; edited: boolean }>();
  const missed = new Set<string>();
  for (const e of ordered) {
    if (e.event === 'missed') {
      missed.add(e.lesionId === null ? `event ${e.id}` : `lesion ${e.lesionId}`);
      continue;
    }
    if (e.proposalId === null) continue;
    const p = proposals.get(e.proposalId) ?? { rejected: false, dice: null, edited: false };
    if (e.event === 'rejected') p.rejected = true;
    else if (e.dice !== null) {
      p.dice = e.dice;
      if (e.event === 'edited') p.edited = true;
    }
    proposals.set(e.proposalId, p);
  }
  const c = { ...ZERO, exams: 1, falseNegatives: missed.size };
  for (const p of proposals.values()) {
    if (p.rejected) c.falsePositives++;
    else if (p.dice !== null) {
      c.truePositives++;
      c.diceSum += p.dice;
      if (p.edited) c.edited++;
    }
  }
  return c;
}

const time = (iso: string | null): number => {
  const t = iso ? Date.parse(iso) : Number.NaN;
  return Number.isFinite(t) ? t : Number.POSITIVE_INFINITY;
};

/**
 * Per model (by id, oldest version first in `versions`): each run that has events, oldest
 * first by its finished time, with its own figures and the running totals up to it, and the
 * totals over all of them. Events of runs not in `runs` are ignored.
 */
export function monitoringByModel(runs: readonly MonitoringRunInfo[], events: readonly MonitoringEvent[]): ModelMonitoring[] {
  const byRun = new Map<number, MonitoringEvent[]>();
  for (const e of events) byRun.set(e.runId, [...(byRun.get(e.runId) ?? []), e]);
  const byModel = new Map<string, MonitoringRunInfo[]>();
  for (const r of runs) {
    if (!byRun.has(r.runId)) continue;
    byModel.set(r.modelId, [...(byModel.get(r.modelId) ?? []), r]);
  }
  return [...byModel]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([modelId, list]) => {
      const ordered = [...list].sort((a, b) => time(a.finishedAt) - time(b.finishedAt) || a.runId - b.runId);
      let running = ZERO;
      const out: MonitoringRun[] = ordered.map((r) => {
        const own = countRun(byRun.get(r.runId)!);
        running = add(running, own);
        return {
          runId: r.runId,
          modelVersion: r.modelVersion,
          seriesId: r.seriesId,
          studyDate: r.studyDate,
          finishedAt: r.finishedAt,
          undecided: r.undecided,
          ...monitoringFigures(own),
          cumulative: monitoringFigures(running),
        };
      });
      return { modelId, versions: [...new Set(ordered.map((r) => r.modelVersion))], runs: out, totals: monitoringFigures(running) };
    });
}
