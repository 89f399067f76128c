/**
 * Results that travel: the tumor-board report (PDF + HTML) of a three-exam patient with five
 * target lesions, and SR + SEG of one exam, each timed as the workstation makes them (the
 * demo patient at its default size, 192×192×64 per exam, three more targets at other sites so
 * RECIST 1.1 allows five: at most two per organ).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../main/services/app';
import type { LesionSite } from '../../core/api/types';

function ms(v: number): string {
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(0)} ms`;
}
function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function benchReport(runs: number): Promise<[string, string, string][]> {
  const home = mkdtempSync(join(tmpdir(), 'longitude-bench-report-'));
  const app = createApp({ homeDir: home, mode: 'serve' });
  try {
    const demo = await app.createDemoPatient();
    for (const item of await app.getReviewQueue({ patientRowId: demo.patientRowId })) await app.decideReviewItem({ itemId: item.itemId, decision: 'confirm' });
    const lt = await app.getLesionTable(demo.patientRowId);
    const baseline = lt.assessment.baselineStudyRowId!;
    const targets = lt.assessment.lesionRoles.filter((r) => r.role === 'target').length;
    // Three more targets (RECIST 1.1: at most two per organ, five in all): the largest measured baseline metastases.
    const sites: LesionSite[] = ['lung', 'lung', 'peritoneum'].slice(0, Math.max(0, 5 - targets)) as LesionSite[];
    const more = lt.table.lesions
      .filter((l) => l.recistRole !== 'target' && l.lesionType === 'metastasis' && (lt.table.cells[l.id]?.[baseline]?.longAxisMm ?? 0) >= 10)
      .sort((a, b) => (lt.table.cells[b.id][baseline].longAxisMm ?? 0) - (lt.table.cells[a.id][baseline].longAxisMm ?? 0))
      .slice(0, sites.length);
    for (const [i, l] of more.entries()) await app.updateLesion(l.id, { recistRole: 'target', site: sites[i] });
    const after = await app.getLesionTable(demo.patientRowId);
    const nTargets = after.assessment.lesionRoles.filter((r) => r.role === 'target').length;
    const out = join(home, 'bench-out');
    const reportTimes: number[] = [];
    let last = null as Awaited<ReturnType<typeof app.exportReport>> | null;
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      last = await app.exportReport({ patientRowId: demo.patientRowId, outDir: out });
      reportTimes.push(performance.now() - t);
    }
    const exam = demo.studyRowIds[demo.studyRowIds.length - 1];
    const srTimes: number[] = [];
    let sr = null as Awaited<ReturnType<typeof app.exportSr>> | null;
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      sr = await app.exportSr({ studyRowId: exam, outDir: out });
      srTimes.push(performance.now() - t);
    }
    return [
      [
        `tumor-board report, ${demo.studyRowIds.length} exams × ${nTargets} targets (PDF + HTML)`,
        ms(median(reportTimes)),
        `${last!.pages} pages, ${last!.keyImages} key images; PDF ${(statSync(last!.pdf).size / 1024).toFixed(0)} KB, HTML ${(statSync(last!.html).size / 1024).toFixed(0)} KB; first run ${ms(reportTimes[0])} (volumes decoded)`,
      ],
      [
        'SR TID 1500 + SEG of one exam',
        ms(median(srTimes)),
        `${sr!.groups.length} lesion groups, SEG ${sr!.seg?.segments.length ?? 0} segments × ${sr!.seg?.frames ?? 0} frames, ${(statSync(sr!.file).size / 1024).toFixed(0)} KB SR + ${sr!.seg ? (statSync(sr!.seg.file).size / 1024).toFixed(0) : 0} KB SEG`,
      ],
    ];
  } finally {
    await app.close();
    rmSync(home, { recursive: true, force: true });
  }
}
