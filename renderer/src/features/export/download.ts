/**
 * A file the workstation exported, brought into this browser: its bytes (readExport, the same
 * call in serve mode and Electron) as a blob: URL, saved through an <a download> — a browser
 * download in serve mode, Electron's save dialog on the desktop.
 */
import type { ApiClient } from '../../api';
import { mimeOf, type ExportFile } from './exportFiles';

export interface FetchedFile extends ExportFile {
  /** blob: URL of the bytes; revoke it with `releaseFiles` when the notice goes. */
  url: string;
  size: number;
}

export async function fetchExport(api: ApiClient, file: ExportFile): Promise<{ fetched: FetchedFile; bytes: ArrayBuffer }> {
  const bytes = await api.readExport({ file: file.path });
  const url = URL.createObjectURL(new Blob([bytes], { type: mimeOf(file.name) }));
  return { fetched: { ...file, url, size: bytes.byteLength }, bytes };
}

/** Save a fetched file as the browser does for a link with `download`. */
export function saveFile(file: { url: string; name: string }): void {
  const a = document.createElement('a');
  a.href = file.url;
  a.download = file.name;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
}

export function releaseFiles(files: readonly { url: string }[]): void {
  for (const f of files) URL.revokeObjectURL(f.url);
}
