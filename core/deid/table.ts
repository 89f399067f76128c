/**
 * PS3.15 Table E.1-1 as rules: which action (D, Z, X, K, C, U) applies to an attribute under the
 * Basic Application Level Confidentiality Profile and the options of DeidOptions. The rows are
 * generated from the standard's table (tableE11.generated.ts, with its MIT attribution).
 */
import type { DeidOptions } from './types';
import { TABLE_E11_ROWS, TABLE_E11_VR, type TableE11OptionColumn, type TableE11Row } from './tableE11.generated';

/** D dummy, Z zero length, X remove, K keep, C clean, U replace UIDs consistently. */
export type DeidAction = 'D' | 'Z' | 'X' | 'K' | 'C' | 'U';

export interface DeidRule {
  row: TableE11Row;
  /** The Basic Profile action with combinations resolved (resolveCombinedAction). */
  basic: DeidAction;
}

/**
 * A combined code of Table E.1-1 (PS3.15 E.1.1) lets the action depend on the attribute's Type in
 * the IOD: "X/Z: X unless Z is required to maintain IOD conformance (Type 3 versus Type 2)", "X/D: X
 * unless D is required (Type 1)", "Z/D: Z unless D is required", "X/Z/D: X unless Z or D is
 * required", "X/Z/U*: X unless Z or replacement of contained instance UIDs (U) is required". The
 * engine does not know each attribute's Type in each IOD, so it takes the alternative that keeps
 * every IOD valid: the last one. That costs no confidentiality (Z and D never keep the original
 * value, U never keeps an original UID), only the bytes of an attribute a Type 3 context could
 * have dropped.
 */
export function resolveCombinedAction(code: string): DeidAction {
  const parts = code.split('/').map((p) => p.replace('*', '').trim());
  const last = parts[parts.length - 1];
  if (!['D', 'Z', 'X', 'K', 'C', 'U'].includes(last)) throw new Error(`Table E.1-1: unknown action "${code}"`);
  return last as DeidAction;
}

/** Which table column each option of DeidOptions follows (the CID 7050 code in comments). */
export const OPTION_COLUMN: Record<Exclude<keyof DeidOptions, 'includeBurnedIn'>, TableE11OptionColumn> = {
  retainSafePrivate: 'rtnSafePrivOpt', // 113111
  retainDeviceIdentity: 'rtnDevIdOpt', // 113109
  retainPatientCharacteristics: 'rtnPatCharsOpt', // 113108
  retainLongitudinalModifiedDates: 'rtnLongModifDatesOpt', // 113107
  cleanDescriptors: 'cleanDescOpt', // 113105
};
// Not offered (DeidOptions has no switch for them), so their columns are carried in the table but
// never applied: Retain UIDs, Retain Institution Identity, Retain Longitudinal Full Dates, Clean
// Structured Content, Clean Graphics.

/** How protective an action is, for choosing between two options that disagree. */
const STRICTNESS: Record<DeidAction, number> = { X: 5, Z: 4, D: 3, U: 2, C: 1, K: 0 };

/**
 * The action for an attribute given the selected options: an option with a non-blank column
 * replaces the Basic Profile action (PS3.15 E.3: the options modify the basic profile). Where two
 * selected options disagree (Retain Device Identity K against Retain Longitudinal Modified Dates C
 * on calibration dates), PS3.15 gives no order, so the more protective wins: a calibration date
 * kept verbatim beside shifted study dates would give the shift away.
 */
export function actionFor(rule: DeidRule, options: DeidOptions): DeidAction {
  let chosen: DeidAction | null = null;
  for (const [option, column] of Object.entries(OPTION_COLUMN) as [keyof typeof OPTION_COLUMN, TableE11OptionColumn][]) {
    if (!options[option]) continue;
    const code = rule.row.options[column];
    if (!code) continue;
    const action = resolveCombinedAction(code);
    if (chosen === null || STRICTNESS[action] > STRICTNESS[chosen]) chosen = action;
  }
  return chosen ?? rule.basic;
}

const exact = new Map<string, DeidRule>();
const wildcard: { re: RegExp; rule: DeidRule }[] = [];
let privateRule: DeidRule | undefined;
for (const row of TABLE_E11_ROWS) {
  const rule: DeidRule = { row, basic: resolveCombinedAction(row.basic) };
  if (row.pattern === 'ODD') privateRule = rule;
  else if (row.pattern.includes('X')) wildcard.push({ re: new RegExp(`^${row.pattern.replace(/X/g, '[0-9A-F]')}$`), rule });
  else exact.set(row.pattern, rule);
}

/** The rule of the private-attributes row ((gggg,eeee) where gggg is odd). */
export const PRIVATE_RULE: DeidRule = privateRule!;

/** True for a tag (8 hex digits) in an odd group: a private attribute or private creator. */
export function isPrivateTag(tag: string): boolean {
  return (parseInt(tag.slice(0, 4), 16) & 1) === 1;
}

/**
 * The table's rule for a public attribute (8 upper-case hex digits), exact rows before wildcard
 * rows ((50xx,xxxx) curves, (60xx,3000) and (60xx,4000) overlays: repeating groups are even,
 * so 50xx/60xx match only even groups); undefined when the table does not list it. Private
 * attributes are decided by isPrivateTag and PRIVATE_RULE, not here.
 */
export function ruleForTag(tag: string): DeidRule | undefined {
  const key = tag.toUpperCase();
  const hit = exact.get(key);
  if (hit) return hit;
  if (isPrivateTag(key)) return undefined;
  return wildcard.find((w) => w.re.test(key))?.rule;
}

/** The dictionary VR of a table attribute (undefined for tags the table does not list). */
export function tableVr(tag: string): string | undefined {
  const rule = ruleForTag(tag);
  return rule ? TABLE_E11_VR[rule.row.pattern] : undefined;
}

export { TABLE_E11_ROWS, TABLE_E11_VR };
export type { TableE11Row, TableE11OptionColumn };
