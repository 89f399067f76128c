/**
 * Turn what the user picked or dropped into (relativePath, File) pairs. Folder
 * structure is kept: DICOMDIR references files by relative path.
 */
export interface PickedFile {
  relativePath: string;
  file: File;
}

/** From an <input type=file> (with or without webkitdirectory). */
export function filesFromInput(list: FileList | null): PickedFile[] {
  if (!list) return [];
  return Array.from(list).map((file) => ({ relativePath: file.webkitRelativePath || file.name, file }));
}

function readAllEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  // readEntries returns at most ~100 entries per call; keep reading until it returns none.
  return new Promise((resolve, reject) => {
    const all: FileSystemEntry[] = [];
    const next = (): void =>
      reader.readEntries((batch) => {
        if (batch.length === 0) resolve(all);
        else {
          all.push(...batch);
          next();
        }
      }, reject);
    next();
  });
}

async function walk(entry: FileSystemEntry, out: PickedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ relativePath: entry.fullPath.replace(/^\/+/, ''), file });
  } else if (entry.isDirectory) {
    const entries = await readAllEntries((entry as FileSystemDirectoryEntry).createReader());
    for (const child of entries) await walk(child, out);
  }
}

/** From a drop: files and whole folders (walked recursively). */
export async function filesFromDrop(dataTransfer: DataTransfer): Promise<PickedFile[]> {
  // Entries must be taken synchronously, before the first await: the list empties after the event.
  const entries = Array.from(dataTransfer.items)
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.() ?? null);
  const looseFiles = Array.from(dataTransfer.files);
  const out: PickedFile[] = [];
  if (entries.length > 0 && entries.every((e) => e !== null)) {
    for (const entry of entries) await walk(entry as FileSystemEntry, out);
    return out;
  }
  return looseFiles.map((file) => ({ relativePath: file.name, file }));
}

export function newBatchId(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID();
  return `batch-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}
