/**
 * The cohort filter language (`longitude cohort create <name> --where "…"`), parsed to an AST
 * and evaluated over plain rows. Pure.
 *
 *   site=liver and type=metastasis and response in (PR,CR) and exams>=3
 *   and date>=2020-01-01 and model=yes and reference=histology and scanner~"SOMATOM"
 *
 * Grammar (keywords and field names are case-insensitive):
 *   expr       := or
 *   or         := and ("or" and)*
 *   and        := unary ("and" unary)*
 *   unary      := "not" unary | "(" expr ")" | comparison
 *   comparison := field op value | field ["not"] "in" "(" value ("," value)* ")"
 *   op         := "=" | "!=" | "<" | "<=" | ">" | ">=" | "~" (contains) | "!~" (does not contain)
 *   value      := a bare word (letters, digits, . _ - / : +) | "double" or 'single' quoted text
 *
 * What a row is: one per patient × exam × lesion — every lesion of the patient against every
 * exam of the patient (lesion fields are the lesion's identity, not its state on that exam), and
 * one row per exam with empty lesion fields when the patient has no lesion. Patient fields
 * (sex, exams, lesions, response, lastResponse) are the patient's, exam fields (date, age,
 * modality, scanner) the exam's, lesion fields (site, type, role, reference, model, lineage) the
 * lesion's. A patient is in the cohort when any of its rows matches; its exams and lesions in
 * the cohort are those of the matching rows (see core/cohort/rows.ts).
 *
 * A comparison with a field that has no value on the row (no lesion, no scanner recorded, no
 * RECIST response) is false — `!=` included — except `field=none` (true exactly then) and
 * `field!=none`. `not` negates what it is given.
 */
import { ApiError } from '../api/errors';
import { LESION_SITES, LESION_TYPES, RECIST_ROLES, REFERENCE_STANDARDS } from '../api/types';

export class CohortFilterError extends ApiError {
  constructor(
    message: string,
    /** 1-based character position in the filter text. */
    readonly position: number,
  ) {
    super('invalid', message);
  }
}

export type CohortFieldKind = 'enum' | 'text' | 'number' | 'date' | 'bool';
export type CohortFieldLevel = 'patient' | 'exam' | 'lesion';

export interface CohortFieldSpec {
  level: CohortFieldLevel;
  kind: CohortFieldKind;
  /** Canonical values of an enum field. */
  values?: readonly string[];
  /** Other spellings of a value, lower case → canonical. */
  aliases?: Readonly<Record<string, string>>;
  /** `field=none` means the field has no value (lineage: the lesion has none). */
  none?: boolean;
  /** May split a cohort in strata (categorical, one value per patient). */
  stratify: boolean;
  describe: string;
}

export const RESPONSES = ['CR', 'PR', 'SD', 'non-CR/non-PD', 'PD', 'NE'] as const;

/** Every field of the language, in the order error messages list them. */
export const COHORT_FIELDS = {
  site: { level: 'lesion', kind: 'enum', values: LESION_SITES, aliases: { 'lymph node': 'lymph-node', node: 'lymph-node', ln: 'lymph-node' }, stratify: true, describe: 'lesion site' },
  type: { level: 'lesion', kind: 'enum', values: LESION_TYPES, aliases: { met: 'metastasis', metastases: 'metastasis', haemangioma: 'hemangioma' }, stratify: true, describe: 'lesion type' },
  role: { level: 'lesion', kind: 'enum', values: RECIST_ROLES, aliases: { nontarget: 'non-target' }, stratify: true, describe: 'RECIST role as recorded' },
  reference: {
    level: 'lesion',
    kind: 'enum',
    values: REFERENCE_STANDARDS,
    aliases: { histology: 'histopathology', pathology: 'histopathology', histo: 'histopathology', mr: 'MRI', followup: 'follow-up' },
    none: true,
    stratify: true,
    describe: 'reference standard of the lesion',
  },
  model: { level: 'lesion', kind: 'bool', stratify: true, describe: 'a model found the lesion (an accepted AI proposal): yes or no' },
  lineage: { level: 'lesion', kind: 'enum', values: ['split', 'merged'], aliases: { merge: 'merged', coalesced: 'merged' }, none: true, stratify: true, describe: 'the lesion split or merged (split, merged, none)' },
  response: { level: 'patient', kind: 'enum', values: RESPONSES, none: true, stratify: true, describe: 'RECIST 1.1 best overall response' },
  lastResponse: { level: 'patient', kind: 'enum', values: RESPONSES, none: true, stratify: true, describe: 'RECIST 1.1 overall response at the last follow-up' },
  exams: { level: 'patient', kind: 'number', stratify: true, describe: 'number of exams (studies with an image volume) of the patient' },
  lesions: { level: 'patient', kind: 'number', stratify: true, describe: 'number of lesions of the patient' },
  sex: { level: 'patient', kind: 'enum', values: ['M', 'F', 'O'], aliases: { male: 'M', female: 'F', other: 'O' }, none: true, stratify: true, describe: 'patient sex (M, F, O)' },
  date: { level: 'exam', kind: 'date', stratify: false, describe: 'exam date, YYYY-MM-DD' },
  age: { level: 'exam', kind: 'number', stratify: false, describe: 'age in years at the exam' },
  modality: { level: 'exam', kind: 'text', stratify: true, describe: "the exam's image modality (CT, MR, …)" },
  scanner: { level: 'exam', kind: 'text', none: true, stratify: true, describe: 'scanner manufacturer and model' },
} as const satisfies Record<string, CohortFieldSpec>;

export type CohortField = keyof typeof COHORT_FIELDS;
export const COHORT_FIELD_NAMES = Object.keys(COHORT_FIELDS) as CohortField[];

export type CohortOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | '~' | '!~';

/** A value as written, checked and put in its field's form: canonical enum spelling, number, ISO date, boolean; null is `none`. */
export type CohortLiteral = string | number | boolean | null;

export type CohortExpr =
  | { kind: 'and' | 'or'; terms: CohortExpr[] }
  | { kind: 'not'; expr: CohortExpr }
  | { kind: 'compare'; field: CohortField; op: CohortOp; value: CohortLiteral; position: number }
  | { kind: 'in'; field: CohortField; values: CohortLiteral[]; negated: boolean; position: number };

/** A row's value of a field: null when it has none; lineage is a list (a lesion may split and merge). */
export type CohortValue = string | number | boolean | null | readonly string[];
export type CohortRow = Readonly<Record<CohortField, CohortValue>>;

// ---- tokens ----

type Token =
  | { t: 'word'; text: string; pos: number; quoted: boolean }
  | { t: 'op'; text: CohortOp; pos: number }
  | { t: '(' | ')' | ','; pos: number }
  | { t: 'end'; pos: number };

const OPS: readonly CohortOp[] = ['!=', '<=', '>=', '!~', '=', '<', '>', '~'];
const BARE = /[A-Za-z0-9_.\-/:+]/;

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const pos = i + 1;
    if (c === '(' || c === ')' || c === ',') {
      out.push({ t: c, pos });
      i++;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op) {
      out.push({ t: 'op', text: op, pos });
      i += op.length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        s += text[j];
        j++;
      }
      if (j >= text.length) throw new CohortFilterError(`unterminated quoted text at ${pos}: add the closing ${c}`, pos);
      out.push({ t: 'word', text: s, pos, quoted: true });
      i = j + 1;
      continue;
    }
    if (BARE.test(c)) {
      let j = i;
      while (j < text.length && BARE.test(text[j])) j++;
      out.push({ t: 'word', text: text.slice(i, j), pos, quoted: false });
      i = j;
      continue;
    }
    throw new CohortFilterError(`unexpected character '${c}' at ${pos}`, pos);
  }
  out.push({ t: 'end', pos: text.length + 1 });
  return out;
}

// ---- fields and values ----

const FIELD_BY_LOWER = new Map(COHORT_FIELD_NAMES.map((f) => [f.toLowerCase(), f]));
const FIELD_ALIASES: Record<string, CohortField> = { 'lesion-type': 'type', lesiontype: 'type', best: 'response', bor: 'response', 'last-response': 'lastResponse', last: 'lastResponse' };

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

function suggestion(word: string, candidates: readonly string[]): string {
  const lower = word.toLowerCase();
  const best = candidates.map((c) => ({ c, d: editDistance(lower, c.toLowerCase()) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(1, Math.floor(word.length / 3)) ? ` (did you mean '${best.c}'?)` : '';
}

export function fieldOf(word: string): CohortField | null {
  return FIELD_BY_LOWER.get(word.toLowerCase()) ?? FIELD_ALIASES[word.toLowerCase()] ?? null;
}

function fieldOrThrow(tok: Token): CohortField {
  if (tok.t !== 'word') throw new CohortFilterError(`expected a field at ${tok.pos}${tok.t === 'end' ? ' (the filter ends there)' : ''}; fields: ${COHORT_FIELD_NAMES.join(', ')}`, tok.pos);
  const f = fieldOf(tok.text);
  if (!f) throw new CohortFilterError(`unknown field '${tok.text}' at ${tok.pos}${suggestion(tok.text, COHORT_FIELD_NAMES)}; fields: ${COHORT_FIELD_NAMES.join(', ')}`, tok.pos);
  return f;
}

const ALLOWED_OPS: Record<CohortFieldKind, readonly CohortOp[]> = {
  enum: ['=', '!='],
  bool: ['=', '!='],
  text: ['=', '!=', '~', '!~'],
  number: ['=', '!=', '<', '<=', '>', '>='],
  date: ['=', '!=', '<', '<=', '>', '>='],
};

function validDate(y: number, m: number, d: number): boolean {
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

/** A written value in its field's form, or an error naming the field, the position and what is allowed. */
export function literalOf(field: CohortField, raw: string, pos: number): CohortLiteral {
  const spec: CohortFieldSpec = COHORT_FIELDS[field];
  const lower = raw.toLowerCase();
  if (spec.none && lower === 'none') return null;
  switch (spec.kind) {
    case 'enum': {
      const values = spec.values!;
      const hit = values.find((v) => v.toLowerCase() === lower) ?? spec.aliases?.[lower];
      if (hit !== undefined) return hit;
      const allowed = [...values, ...(spec.none ? ['none'] : [])];
      throw new CohortFilterError(`unknown value '${raw}' for ${field} at ${pos}${suggestion(raw, allowed)}; values: ${allowed.join(', ')}`, pos);
    }
    case 'bool':
      if (['yes', 'true', 'y', '1'].includes(lower)) return true;
      if (['no', 'false', 'n', '0'].includes(lower)) return false;
      throw new CohortFilterError(`${field} at ${pos} is yes or no, got '${raw}'`, pos);
    case 'number': {
      if (!/^-?\d+(\.\d+)?$/.test(raw)) throw new CohortFilterError(`${field} at ${pos} needs a number, got '${raw}'`, pos);
      return Number(raw);
    }
    case 'date': {
      const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(raw);
      if (!m || !validDate(Number(m[1]), Number(m[2]), Number(m[3]))) throw new CohortFilterError(`${field} at ${pos} needs a date YYYY-MM-DD, got '${raw}'`, pos);
      return `${m[1]}-${m[2]}-${m[3]}`;
    }
    case 'text':
      return raw;
  }
}

// ---- parser ----

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(): Token {
    return this.toks[this.i];
  }
  private next(): Token {
    return this.toks[this.i++];
  }
  private isKeyword(tok: Token, kw: string): boolean {
    return tok.t === 'word' && !tok.quoted && tok.text.toLowerCase() === kw;
  }

  parse(): CohortExpr {
    if (this.peek().t === 'end') throw new CohortFilterError(`the filter is empty; fields: ${COHORT_FIELD_NAMES.join(', ')}`, 1);
    const e = this.or();
    const t = this.peek();
    if (t.t !== 'end') throw new CohortFilterError(`expected 'and', 'or' or the end at ${t.pos}, got ${describeToken(t)}`, t.pos);
    return e;
  }

  private or(): CohortExpr {
    const terms = [this.and()];
    while (this.isKeyword(this.peek(), 'or')) {
      this.next();
      terms.push(this.and());
    }
    return terms.length === 1 ? terms[0] : { kind: 'or', terms };
  }

  private and(): CohortExpr {
    const terms = [this.unary()];
    while (this.isKeyword(this.peek(), 'and')) {
      this.next();
      terms.push(this.unary());
    }
    return terms.length === 1 ? terms[0] : { kind: 'and', terms };
  }

  private unary(): CohortExpr {
    const t = this.peek();
    if (this.isKeyword(t, 'not')) {
      this.next();
      return { kind: 'not', expr: this.unary() };
    }
    if (t.t === '(') {
      this.next();
      const e = this.or();
      const close = this.next();
      if (close.t !== ')') throw new CohortFilterError(`expected ')' at ${close.pos} to close the '(' at ${t.pos}, got ${describeToken(close)}`, close.pos);
      return e;
    }
    return this.comparison();
  }

  private comparison(): CohortExpr {
    const ftok = this.next();
    const field = fieldOrThrow(ftok);
    const spec: CohortFieldSpec = COHORT_FIELDS[field];
    const pos = ftok.pos;
    let t = this.next();
    let negated = false;
    if (this.isKeyword(t, 'not')) {
      negated = true;
      t = this.next();
      if (!this.isKeyword(t, 'in')) throw new CohortFilterError(`expected 'in' after '${field} not' at ${t.pos}, got ${describeToken(t)}`, t.pos);
    }
    if (this.isKeyword(t, 'in')) {
      if (spec.kind === 'date') throw new CohortFilterError(`'in' does not apply to ${field} at ${t.pos}; use <, <=, >, >= for a date range`, t.pos);
      const open = this.next();
      if (open.t !== '(') throw new CohortFilterError(`expected '(' after 'in' at ${open.pos}, got ${describeToken(open)}`, open.pos);
      const values: CohortLiteral[] = [];
      for (;;) {
        const v = this.next();
        if (v.t !== 'word') throw new CohortFilterError(`expected a value for ${field} at ${v.pos}, got ${describeToken(v)}`, v.pos);
        values.push(literalOf(field, v.text, v.pos));
        const sep = this.next();
        if (sep.t === ')') break;
        if (sep.t !== ',') throw new CohortFilterError(`expected ',' or ')' at ${sep.pos} in the list of ${field} values, got ${describeToken(sep)}`, sep.pos);
      }
      return { kind: 'in', field, values, negated, position: pos };
    }
    if (t.t !== 'op') throw new CohortFilterError(`expected an operator after ${field} at ${t.pos} (${[...ALLOWED_OPS[spec.kind], 'in'].join(' ')}), got ${describeToken(t)}`, t.pos);
    const allowed = ALLOWED_OPS[spec.kind];
    if (!allowed.includes(t.text)) throw new CohortFilterError(`operator '${t.text}' does not apply to ${field} at ${t.pos}; use ${[...allowed, ...(spec.kind === 'date' ? [] : ['in'])].join(', ')}`, t.pos);
    const v = this.next();
    if (v.t !== 'word') throw new CohortFilterError(`expected a value for ${field} at ${v.pos}, got ${describeToken(v)}`, v.pos);
    const value = literalOf(field, v.text, v.pos);
    if (value === null && t.text !== '=' && t.text !== '!=') throw new CohortFilterError(`'none' goes with = or != (${field} at ${v.pos})`, v.pos);
    return { kind: 'compare', field, op: t.text, value, position: pos };
  }
}

function describeToken(t: Token): string {
  if (t.t === 'end') return 'the end of the filter';
  if (t.t === 'word') return t.quoted ? `"${t.text}"` : `'${t.text}'`;
  if (t.t === 'op') return `'${t.text}'`;
  return `'${t.t}'`;
}

/** The filter as an AST, or a CohortFilterError (kind 'invalid') naming the position and what was expected. */
export function parseCohortFilter(text: string): CohortExpr {
  if (typeof text !== 'string') throw new CohortFilterError('the filter must be text', 1);
  return new Parser(tokenize(text)).parse();
}

// ---- printing ----

function literalText(v: CohortLiteral): string {
  if (v === null) return 'none';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return String(v);
  return /^[A-Za-z0-9_.\-/:+]+$/.test(v) && !['and', 'or', 'not', 'in'].includes(v.toLowerCase()) ? v : `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The canonical text of a filter: the same AST parses back from it. */
export function formatCohortFilter(e: CohortExpr, parent: 'and' | 'or' | 'not' | null = null): string {
  switch (e.kind) {
    case 'compare':
      return `${e.field}${e.op}${literalText(e.value)}`;
    case 'in':
      return `${e.field} ${e.negated ? 'not in' : 'in'} (${e.values.map(literalText).join(',')})`;
    case 'not':
      return `not ${formatCohortFilter(e.expr, 'not')}`;
    default: {
      const s = e.terms.map((x) => formatCohortFilter(x, e.kind)).join(` ${e.kind} `);
      return parent === null || (parent === 'or' && e.kind === 'and') ? s : `(${s})`;
    }
  }
}

/** The fields a filter uses, each once, in the order of COHORT_FIELDS. */
export function fieldsOf(e: CohortExpr): CohortField[] {
  const used = new Set<CohortField>();
  const walk = (x: CohortExpr): void => {
    if (x.kind === 'compare' || x.kind === 'in') used.add(x.field);
    else if (x.kind === 'not') walk(x.expr);
    else x.terms.forEach(walk);
  };
  walk(e);
  return COHORT_FIELD_NAMES.filter((f) => used.has(f));
}

// ---- evaluation ----

function equals(field: CohortField, have: CohortValue, want: CohortLiteral): boolean {
  if (Array.isArray(have)) return want === null ? have.length === 0 : have.some((h) => String(h).toLowerCase() === String(want).toLowerCase());
  if (want === null) return have === null;
  if (have === null) return false;
  const kind = COHORT_FIELDS[field].kind as CohortFieldKind;
  if (kind === 'number') return Number(have) === want;
  if (kind === 'bool') return have === want;
  return String(have).toLowerCase() === String(want).toLowerCase();
}

function compare(field: CohortField, op: CohortOp, have: CohortValue, want: CohortLiteral): boolean {
  if (op === '=') return equals(field, have, want);
  if (op === '!=') {
    if (want === null) return Array.isArray(have) ? have.length > 0 : have !== null;
    if (have === null) return false;
    return !equals(field, have, want);
  }
  if (have === null || want === null || Array.isArray(have)) return false;
  if (op === '~' || op === '!~') {
    const contains = String(have).toLowerCase().includes(String(want).toLowerCase());
    return op === '~' ? contains : !contains;
  }
  const a = typeof have === 'number' ? have : String(have);
  const b = typeof want === 'number' ? want : String(want);
  if (typeof a !== typeof b) return false;
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}

/** Whether one row matches the filter. */
export function evaluateCohortFilter(e: CohortExpr, row: CohortRow): boolean {
  switch (e.kind) {
    case 'and':
      return e.terms.every((t) => evaluateCohortFilter(t, row));
    case 'or':
      return e.terms.some((t) => evaluateCohortFilter(t, row));
    case 'not':
      return !evaluateCohortFilter(e.expr, row);
    case 'compare':
      return compare(e.field, e.op, row[e.field], e.value);
    case 'in': {
      const have = row[e.field];
      if (have === null && !e.values.includes(null)) return false;
      const hit = e.values.some((v) => equals(e.field, have, v));
      return e.negated ? !hit : hit;
    }
  }
}
