/** DICOM PN (PS3.5 6.2): "Family^Given^Middle^Prefix^Suffix" → "FAMILY, Given Middle". */
export function formatPersonName(pn: string): string {
  const alphabetic = pn.split('=')[0] ?? '';
  const [family = '', given = '', middle = '', prefix = '', suffix = ''] = alphabetic.split('^').map((p) => p.trim());
  const first = [prefix, given, middle].filter(Boolean).join(' ');
  const name = [family.toUpperCase(), first].filter(Boolean).join(', ');
  return [name, suffix].filter(Boolean).join(' ') || '(no name)';
}

/** "1.2 MB" style sizes for upload progress. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`;
}
