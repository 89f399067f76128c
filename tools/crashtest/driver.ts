/**
 * The crash test's child: opens a copy of the seed library like the workstation does
 * (createApp), prints "ready", then performs one operation in a loop through the API, logging
 * an intent before each call and an acknowledgement after it returned (protocol.ts), until the
 * parent kills it with SIGKILL. It prints "done" and exits when it has nothing left to do.
 *
 *   node --import tsx tools/crashtest/driver.ts <op> <home> <ack-file> <seed.json> <random seed>
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeMaskRle } from '../../core/api/maskRle';
import type { Vec3 } from '../../core/api/types';
import { mulberry32 } from '../../core/metrics/prng';
import { createApp } from '../../main/services/app';
import { openRegistry } from '../../main/services/registry/db';
import { AckLog, READER, type Operation, type Seed } from './protocol';

const [op, home, ackFile, seedFile, randomSeed] = process.argv.slice(2) as [Operation, string, string, string, string];
const seed = JSON.parse(readFileSync(seedFile, 'utf8')) as Seed;
const rng = mulberry32(Number(randomSeed));
const log = new AckLog(ackFile);
const say = (line: string) => process.stdout.write(`${line}\n`);

if (op === 'migrate') {
  // The start-up path of an older library: integrity check, automatic backup, migration.
  say('ready');
  const seq = log.intent('registry:version', `v${seed.migration.toVersion}`);
  const db = openRegistry(join(home, 'registry.sqlite'));
  const v = db.pragma('user_version', { simple: true }) as number;
  db.close();
  log.ack(seq, 'registry:version', `v${v}`);
  say('done');
  process.exit(0);
}

const app = createApp({ homeDir: home, mode: 'serve', workers: 1, defaultReader: READER });
// `npm run crashtest -- --synchronous NORMAL`: what a kill does to the other setting.
if (process.env.CRASHTEST_SYNCHRONOUS) app.db.pragma(`synchronous = ${process.env.CRASHTEST_SYNCHRONOUS === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
await app.ready();
const [s0] = seed.seriesIds;
// Decode the series once before the kills start, as an open viewer would have.
if (op === 'mask' || op === 'ai-accept') await app.volumes.seriesVolume(s0);
const dims = op === 'mask' ? (await app.getSeries(s0)).geometry.dims : [0, 0, 0];
say('ready');

/** A ball of radius r voxels around a random centre on the series grid. */
function ball(): { mask: Uint8Array; voxels: number } {
  const [nx, ny, nz] = dims;
  const mask = new Uint8Array(nx * ny * nz);
  const r = 2 + Math.floor(rng() * 6);
  const cx = r + Math.floor(rng() * (nx - 2 * r));
  const cy = r + Math.floor(rng() * (ny - 2 * r));
  const cz = r + Math.floor(rng() * (nz - 2 * r));
  let voxels = 0;
  for (let z = cz - r; z <= cz + r; z++)
    for (let y = cy - r; y <= cy + r; y++)
      for (let x = cx - r; x <= cx + r; x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 + (z - cz) ** 2 <= r * r) {
          mask[x + nx * (y + ny * z)] = 1;
          voxels++;
        }
      }
  return { mask, voxels };
}

/** Points in half-millimetres: they survive the JSON round trip exactly. */
function points(): Vec3[] {
  const h = () => Math.round(rng() * 200) / 2;
  return [
    [h(), h(), h()],
    [h(), h(), h()],
  ];
}
const pointsValue = (p: Vec3[]) => JSON.stringify(p);

async function loop(): Promise<void> {
  switch (op) {
    case 'import':
      for (const dir of seed.importDirs) {
        const key = `import:${dir}`;
        const seq = log.intent(key, 'present');
        const r = await app.importPaths([dir]);
        if (r.skipped) throw new Error(`import of ${dir} skipped files: ${JSON.stringify(r.files.filter((f) => f.outcome === 'skipped'))}`);
        log.ack(seq, key, 'present');
      }
      return;
    case 'mask':
      for (;;) {
        const a = ball();
        let seq = log.intent(null, `voxels=${a.voxels}`);
        const saved = await app.saveSegmentation({ seriesId: s0, lesionId: seed.lesionId, structure: 'lesion', mask: encodeMaskRle(a.mask) });
        log.ack(seq, `seg:${saved.id}`, `voxels=${saved.voxelCount}`);
        const b = ball();
        seq = log.intent(`seg:${saved.id}`, `voxels=${b.voxels}`);
        const updated = await app.updateSegmentation(saved.id, encodeMaskRle(b.mask));
        log.ack(seq, `seg:${saved.id}`, `voxels=${updated.voxelCount}`);
      }
    case 'measure':
      for (let i = 0; ; i++) {
        if (i % 4 === 3) {
          const p = points();
          const seq = log.intent(null, pointsValue(p));
          const m = await app.addMeasurement({ lesionId: seed.lesionId, seriesId: s0, kind: 'length', pointsLps: p });
          log.ack(seq, `measurement:${m.id}`, pointsValue(m.pointsLps));
        } else {
          const p = points();
          const key = `measurement:${seed.measurementId}`;
          const seq = log.intent(key, pointsValue(p));
          const m = await app.updateMeasurement(seed.measurementId, p);
          log.ack(seq, key, pointsValue(m.pointsLps));
        }
      }
    case 'ai-accept':
      for (const id of seed.proposalIds) {
        const key = `proposal:${id}`;
        const seq = log.intent(key, 'accepted');
        const r = await app.acceptProposal(id);
        log.ack(seq, key, `accepted lesion=${r.lesion?.id ?? null} segmentation=${r.segmentation.id}`);
      }
      return;
    case 'followup':
      for (let i = 0; ; i++) {
        const id = seed.findingIds[i % seed.findingIds.length];
        const decision = Math.floor(i / seed.findingIds.length) % 2 === 0 ? 'confirm' : 'reopen';
        const key = `finding:${id}`;
        const seq = log.intent(key, decision === 'confirm' ? 'confirmed' : 'proposed');
        const item = await app.decideReviewItem({ itemId: `finding-${id}`, decision });
        log.ack(seq, key, item.status);
      }
    case 'signoff':
      for (;;) {
        let seq = log.intent(null, 'signed');
        const s = await app.signOffExam({ studyRowId: seed.signStudyId });
        log.ack(seq, `signoff:${s.id}`, 'signed');
        seq = log.intent(`signoff:${s.id}`, 'reopened');
        const r = await app.reopenExam({ studyRowId: seed.signStudyId, reason: 'crash test: reopened to sign again' });
        log.ack(seq, `signoff:${r.id}`, r.reopenedAt ? 'reopened' : 'signed');
      }
    default:
      throw new Error(`unknown operation ${op}`);
  }
}

try {
  await loop();
  say('done');
  await app.close();
  log.close();
  process.exit(0);
} catch (err) {
  process.stderr.write(`crashtest driver (${op}) failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(3);
}
