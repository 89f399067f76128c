import { promises as fsp } from 'node:fs';
import { DecodeError } from '../dicom/decode/decodeError';
import { NO_TASK_CONTEXT, type TaskContext } from '../workers/taskContext';

export interface DecodeInstanceArg {
  path: string;
  /** Names the instance in error messages (e.g. "instance 12 (SOP Instance UID …)"). */
  label: string;
}

/** Time one frame may take to decode (a 4k × 4k JPEG 2000 frame takes seconds in WebAssembly). */
export const FRAME_TIME_BUDGET_MS = 30_000;

/**
 * Read one library file and decode all its frames to Int16 HU. Runs in a worker thread,
 * which tells the pool as each frame starts (each frame has its own time budget).
 */
export async function decodeInstanceFile(arg: DecodeInstanceArg, ctx: TaskContext = NO_TASK_CONTEXT): Promise<{ rows: number; columns: number; frames: Int16Array[] }> {
  // Loaded on first use: import-only workers never initialise the WASM codecs.
  const { decodeFile } = await import('../dicom/decode/index');
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(arg.path);
  } catch (err) {
    throw new DecodeError(arg.label, 'invalid-argument', `its library file cannot be read (${(err as NodeJS.ErrnoException).code ?? 'I/O error'})`);
  }
  const decoded = await decodeFile(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
    fileLabel: arg.label,
    onFrame: (index) => ctx.progress(index, FRAME_TIME_BUDGET_MS),
  });
  return { rows: decoded.rows, columns: decoded.columns, frames: decoded.frames };
}
