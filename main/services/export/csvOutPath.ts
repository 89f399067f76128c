/**
 * Where exportCsv writes. An absolute `out` is the caller's own choice on the workstation (the
 * CLI resolves its `--out`); a relative one is a file name a client gives without knowing the
 * workstation's folders (a browser), so it lands under `<home>/exports`, never outside it.
 */
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { invalid } from '../../../core/api/errors';

export function csvOutPath(homeDir: string, out: string): string {
  if (isAbsolute(out)) return resolve(out);
  const root = resolve(join(homeDir, 'exports'));
  const file = resolve(root, out);
  const rel = relative(root, file);
  if (!rel || rel.split(sep)[0] === '..' || isAbsolute(rel)) {
    throw invalid(`a relative out (${out}) must name a file inside the exports folder, where it is written`);
  }
  return file;
}
