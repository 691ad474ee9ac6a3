import { AppError } from '../errors.js';
import { fieldWithForbiddenKey, isForbiddenKey } from './forbidden-keys.js';

/**
 * Form field names in the bracket notation of the official SDKs, read back into the values a JSON
 * body would carry. The encoders this inverts:
 * - openai npm (7.57, 7.59), `internal/uploads.mjs` `addFormValue`: an object's props become
 *   `key[prop]`, an array's entries become `key[]` one entry after the other, each entry's own
 *   fields together;
 * - openai Python (3.x), `_base_client.py` `_serialize_multipartform` -> `_qs.py`
 *   `stringify_items(array_format="brackets")`: the same shape, and a key that comes twice is
 *   sent as a repeated field.
 * So `a[][id]=1&a[][name]=x&a[][id]=2` is `[{id:1,name:x},{id:2}]`: an entry goes on until a
 * field it already has comes again (Rack's rule). Also read: `a[0][k]` (indices), `a` repeated
 * (a list), JSON in a field (see decodeJsonFields).
 */

export type FormFields = Record<string, unknown>;
type Container = FormFields | unknown[];

/** Above this an index is refused: a form has at most a few dozen fields. */
const MAX_INDEX = 99;

const INDEX = /^\d+$/;
const BRACKETED = /^([^[\]]+)((?:\[[^[\]]*\])+)$/;

const emptyObject = (): FormFields => Object.create(null) as FormFields;
const isObject = (v: unknown): v is FormFields => typeof v === 'object' && v !== null && !Array.isArray(v);

const badField = (field: string, message: string) => new AppError('invalid_parameter', message, { param: field });

/** `a[b][]` -> ['a', 'b', '']; a name that is not bracket notation is one key. */
export function pathOfField(field: string): string[] {
  const m = BRACKETED.exec(field);
  const path = m ? [m[1], ...m[2].slice(1, -1).split('][')] : [field];
  for (const key of path) {
    if (isForbiddenKey(key)) throw badField(field, `form field \`${field}\`: \`${key}\` is not allowed in a field name`);
    if (INDEX.test(key) && Number(key) > MAX_INDEX) throw badField(field, `form field \`${field}\`: index ${key} is above ${MAX_INDEX}`);
  }
  return path;
}

const containerFor = (nextKey: string): Container => (nextKey === '' || INDEX.test(nextKey) ? [] : emptyObject());
const fits = (node: unknown, nextKey: string) => (nextKey === '' || INDEX.test(nextKey) ? Array.isArray(node) : isObject(node));

/** Whether `node` already holds a value at `path` (walking stops at an append). */
function holds(node: unknown, path: string[]): boolean {
  let at: unknown = node;
  for (const key of path) {
    if (key === '') return false;
    if (!isObject(at) && !Array.isArray(at)) return true;
    at = (at as FormFields)[key];
    if (at === undefined) return false;
  }
  return true;
}

function setLeaf(parent: Container, key: string, value: unknown, field: string): void {
  if (Array.isArray(parent) && key === '') {
    parent.push(value);
    return;
  }
  const slot = parent as FormFields;
  const existing = slot[key];
  if (existing === undefined) slot[key] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else if (isObject(existing)) throw badField(field, `form field \`${field}\` is a value where other fields made an object`);
  else slot[key] = [existing, value]; // a repeated field is a list
}

/** Puts one field into `root` (a prototype-less object). */
export function setFormField(root: FormFields, field: string, value: unknown): void {
  const path = pathOfField(field);
  let parent: Container = root;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i];
    const next = path[i + 1];
    let child: unknown;
    if (Array.isArray(parent) && key === '') {
      const last = parent.at(-1);
      // An entry goes on until a field it already holds comes again.
      child = fits(last, next) && !holds(last, path.slice(i + 1)) ? last : undefined;
      if (child === undefined) {
        child = containerFor(next);
        parent.push(child);
      }
    } else {
      const slot = parent as FormFields;
      slot[key] ??= containerFor(next);
      child = slot[key];
    }
    // Another field made this a list where this one needs an object, or a value where it needs either.
    if (!fits(child, next)) throw badField(field, `form field \`${field}\` conflicts with another field of the same name`);
    parent = child as Container;
  }
  setLeaf(parent, path[path.length - 1], value, field);
}

/** Index-addressed lists (`a[0]`, `a[2]`) lose their holes, in index order. */
function compact(node: unknown): unknown {
  if (Array.isArray(node)) return node.filter((v) => v !== undefined).map(compact);
  if (isObject(node)) for (const key of Object.keys(node)) node[key] = compact(node[key]);
  return node;
}

/** The fields of a form, in the order they came, as one prototype-less object. */
export function formFieldsOf(entries: Iterable<readonly [string, unknown]>): FormFields {
  const root = emptyObject();
  for (const [field, value] of entries) setFormField(root, field, value);
  return compact(root) as FormFields;
}

export type FieldShape = 'array' | 'object';

function parseJsonField(field: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badField(field, `\`${field}\` looks like JSON but is not valid JSON`);
  }
}

const looksLike = (v: unknown, open: '[' | '{'): v is string => typeof v === 'string' && v.trimStart().startsWith(open);

/**
 * Text fields where the body schema has a list or an object: JSON in the field
 * (`characters='[{"id":"ch_..."}]'`) is decoded, and a list field sent once as plain text
 * (the repeat format with one entry) is a list of one.
 */
export function decodeJsonFields(fields: FormFields, shapes: Record<string, FieldShape>): FormFields {
  for (const [field, shape] of Object.entries(shapes)) {
    const value = fields[field];
    if (value === undefined) continue;
    let decoded: unknown = value;
    if (shape === 'object' && looksLike(value, '{')) decoded = parseJsonField(field, value);
    if (shape === 'array') {
      if (looksLike(value, '[')) decoded = parseJsonField(field, value);
      else if (Array.isArray(value)) decoded = value.map((v) => (looksLike(v, '{') ? parseJsonField(field, v) : v));
      else if (looksLike(value, '{')) decoded = [parseJsonField(field, value)];
      else if (typeof value === 'string') decoded = [value];
    }
    if (fieldWithForbiddenKey(decoded) !== null) throw badField(field, `\`${field}\` holds a key that is not allowed (__proto__, constructor, prototype)`);
    fields[field] = decoded;
  }
  return fields;
}
