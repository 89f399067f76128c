/**
 * Retain Safe Private (PS3.15 E.3.10): private attributes are removed with their creators
 * (Table E.1-1, "(gggg,eeee) where gggg is odd": X) except those a site lists as safe, known by
 * their Private Creator and their offset in its block (PS3.5 7.8.1), never by a bare tag, since
 * the block a vendor's attribute lands in varies from file to file.
 */
import type { DicomDict, SafePrivateAttribute } from './types';

/**
 * The safe private attributes shipped: none. Which private attributes carry no identity is a
 * judgement per vendor and software version (PS3.15 E.3.10 lists examples, not a rule); a site
 * that has made it passes its own list as DeidInput.safePrivateAttributes.
 */
export const SAFE_PRIVATE_ATTRIBUTES: readonly SafePrivateAttribute[] = [];

/**
 * The private tags of one dataset level (not its sequence items) to keep: the listed safe
 * attributes, and the Private Creator of each block one of them is kept in.
 */
export function safePrivateTags(dataset: DicomDict, safe: readonly SafePrivateAttribute[]): Set<string> {
  const kept = new Set<string>();
  if (safe.length === 0) return kept;
  const creators = new Map<string, string>();
  for (const [tag, el] of Object.entries(dataset)) {
    const group = parseInt(tag.slice(0, 4), 16);
    const element = parseInt(tag.slice(4), 16);
    if ((group & 1) === 1 && element >= 0x10 && element <= 0xff && typeof el.Value?.[0] === 'string') {
      creators.set(tag.toUpperCase(), (el.Value[0] as string).trim());
    }
  }
  for (const tag of Object.keys(dataset)) {
    const key = tag.toUpperCase();
    const group = parseInt(key.slice(0, 4), 16);
    const block = parseInt(key.slice(4, 6), 16);
    const offset = parseInt(key.slice(6, 8), 16);
    if ((group & 1) !== 1 || block < 0x10) continue;
    const creatorTag = `${key.slice(0, 4)}00${key.slice(4, 6)}`;
    const creator = creators.get(creatorTag);
    if (creator === undefined) continue;
    if (safe.some((s) => s.group === group && s.element === offset && s.creator.trim() === creator)) {
      kept.add(key);
      kept.add(creatorTag);
    }
  }
  return kept;
}

