/**
 * NIfTI files on disk: `.nii` or `.nii.gz` in, `.nii.gz` out. Parsing and writing the
 * bytes is core/nifti; this adds the file system and gzip. Compression is detected
 * from the gzip magic bytes (1f 8b), not the name: a `.nii.gz` that is not
 * compressed, or a compressed `.nii`, is common in the wild.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { VolumeGeometry } from '../../../core/api/types';
import {
  NiftiError,
  parseNifti1,
  serializeNifti1,
  type NiftiData,
  type NiftiReadOptions,
  type NiftiVolume,
  type NiftiWriteOptions,
} from '../../../core/nifti';

const gunzipAsync = promisify(gunzip);
const gzipAsync = promisify(gzip);

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Read a NIfTI-1 image (.nii or .nii.gz); errors start with the file's path. */
export async function readNiftiFile(path: string, options: NiftiReadOptions = {}): Promise<NiftiVolume> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new NiftiError(`${path}: cannot read the file (${(e as Error).message})`, { cause: e });
  }
  if (isGzip(bytes)) {
    try {
      bytes = await gunzipAsync(bytes);
    } catch (e) {
      throw new NiftiError(`${path}: the gzip data is damaged or truncated (${(e as Error).message})`, { cause: e });
    }
  }
  try {
    return parseNifti1(bytes, options);
  } catch (e) {
    if (e instanceof NiftiError) throw new NiftiError(`${path}: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * Write a volume as a gzip-compressed NIfTI-1 (.nii.gz). The file appears whole or not
 * at all: written beside the target under a temporary name, then renamed over it.
 */
export async function writeNiftiGz(path: string, data: NiftiData, geometry: VolumeGeometry, options: NiftiWriteOptions = {}): Promise<void> {
  if (!path.toLowerCase().endsWith('.nii.gz')) throw new NiftiError(`${path}: a compressed NIfTI file should be named *.nii.gz`);
  let bytes: Uint8Array;
  try {
    bytes = await gzipAsync(serializeNifti1(data, geometry, options));
  } catch (e) {
    if (e instanceof NiftiError) throw new NiftiError(`${path}: ${e.message}`, { cause: e });
    throw e;
  }
  const tmp = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new NiftiError(`${path}: cannot write the file (${(e as Error).message})`, { cause: e });
  }
}
