import { promises as fsp } from 'node:fs';

export interface DecodeInstanceArg {
  path: string;
  label: string;
}

/** Read one library file and decode all its frames to Int16 HU. Runs in a worker thread. */
export async function decodeInstanceFile(arg: DecodeInstanceArg): Promise<{ rows: number; columns: number; frames: Int16Array[] }> {
  // Loaded on first use: import-only workers never initialise the WASM codecs.
  const { decodeFile } = await import('../dicom/decode/index');
  const bytes = await fsp.readFile(arg.path);
  const decoded = await decodeFile(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { fileLabel: arg.label });
  return { rows: decoded.rows, columns: decoded.columns, frames: decoded.frames };
}
