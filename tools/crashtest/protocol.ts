/**
 * What the crash-test parent and its child share: the operations, the seed library the child
 * works on, and the acknowledgement log.
 *
 * The log is the child's word on what the workstation told it: before each call an `intent`
 * line (what the call is about to change), after the call returned an `ack` line (what it
 * reported). Each line is appended and fsync'd before the child goes on, so after a kill -9
 * the parent knows every acknowledged write and the one call that was in flight.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';

/** Who the crash test's changes are recorded for. */
export const READER = { name: 'Crash Test', id: 'CT1' };

export const OPERATIONS = ['import', 'mask', 'measure', 'ai-accept', 'followup', 'signoff', 'migrate'] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface Seed {
  /** The library every run but `migrate` starts from (copied per run). */
  home: string;
  /** Small series the import runs import, one after another. */
  importDirs: string[];
  patientRowId: number;
  studyIds: [number, number];
  seriesIds: [number, number];
  /** A target lesion with a length measurement on each exam. */
  lesionId: number;
  measurementId: number;
  /** Lesion proposals of the shipped model's runs, not yet decided. */
  proposalIds: number[];
  /** Matching's new and disappeared findings on the follow-up, proposed. */
  findingIds: number[];
  /** The exam the sign-off runs sign and reopen (the baseline). */
  signStudyId: number;
  migration: {
    /** A library whose registry is at an older schema version. */
    home: string;
    fromVersion: number;
    toVersion: number;
    /** Rows per table before migrating: a migration keeps them all. */
    counts: Record<string, number>;
    /** How long opening (backup + migration) took once, to place the kills. */
    openMs: number;
  };
}

/** One line of the acknowledgement log. `key` names what the call changes (null: something it creates). */
export interface AckLine {
  t: 'intent' | 'ack';
  seq: number;
  key: string | null;
  /** The state `key` has once the call is done (as the checker observes it). */
  value: string;
}

export class AckLog {
  private readonly fd: number;
  private seq = 0;
  constructor(file: string) {
    this.fd = openSync(file, 'a');
  }
  private write(line: AckLine): void {
    writeSync(this.fd, `${JSON.stringify(line)}\n`);
    fsyncSync(this.fd);
  }
  intent(key: string | null, value: string): number {
    const seq = ++this.seq;
    this.write({ t: 'intent', seq, key, value });
    return seq;
  }
  ack(seq: number, key: string, value: string): void {
    this.write({ t: 'ack', seq, key, value });
  }
  close(): void {
    closeSync(this.fd);
  }
}

export interface AckSummary {
  acks: AckLine[];
  /** Per key, the state of its last acknowledged write. */
  lastAcked: Map<string, string>;
  /** The intent whose call was in flight when the child died (no ack after it). */
  inFlight: AckLine | null;
}

export function readAckLog(file: string): AckSummary {
  const lines = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as AckLine];
          } catch {
            return []; // a line cut by the kill was never acknowledged
          }
        })
    : [];
  const acks = lines.filter((l) => l.t === 'ack');
  const acked = new Set(acks.map((a) => a.seq));
  const lastAcked = new Map<string, string>();
  for (const a of acks) lastAcked.set(a.key!, a.value);
  const intents = lines.filter((l) => l.t === 'intent');
  const last = intents[intents.length - 1];
  return { acks, lastAcked, inFlight: last && !acked.has(last.seq) ? last : null };
}
