/**
 * RFC 8941 §4.1 serialisation. Serialising is done on values we build ourselves, so invalid
 * input is a programming error and throws `TypeError` (jose convention).
 */
import { base64Encode } from '../encoding.js';
import type { BareItem, SfDictionary, SfInnerList, SfItem, SfMember, SfParameters } from './sf-types.js';

const KEY = /^[a-z*][a-z0-9_\-.*]*$/;
const TOKEN = /^[A-Za-z*][A-Za-z0-9!#$%&'*+\-.^_`|~:/]*$/;

function serializeKey(key: string): string {
  if (!KEY.test(key)) throw new TypeError(`invalid structured-field key: ${JSON.stringify(key)}`);
  return key;
}

/** A quoted string, quotes and backslashes escaped: one scan, no copy when nothing needs escaping. */
function serializeString(value: string): string {
  let escapes = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw new TypeError('structured-field strings must be printable ASCII');
    if (c === 0x22 || c === 0x5c) escapes = true;
  }
  return `"${escapes ? value.replace(/[\\"]/g, (c) => `\\${c}`) : value}"`;
}

/** Serialises a bare item, e.g. `sf.string('a"b')` → `"a\"b"`. */
export function serializeBareItem(item: BareItem): string {
  switch (item.type) {
    case 'integer':
      if (!Number.isInteger(item.value) || Math.abs(item.value) > 999_999_999_999_999) {
        throw new TypeError(`invalid structured-field integer: ${item.value}`);
      }
      return String(item.value);
    case 'string':
      return serializeString(item.value);
    case 'token':
      if (!TOKEN.test(item.value)) throw new TypeError(`invalid structured-field token: ${item.value}`);
      return item.value;
    case 'boolean':
      return item.value ? '?1' : '?0';
    case 'bytes':
      return `:${base64Encode(item.value)}:`;
  }
}

export function serializeParameters(params: SfParameters): string {
  if (params.size === 0) return '';
  let out = '';
  for (const [key, value] of params) {
    out += `;${serializeKey(key)}`;
    if (!(value.type === 'boolean' && value.value)) out += `=${serializeBareItem(value)}`;
  }
  return out;
}

export function serializeItem(item: SfItem): string {
  return serializeBareItem(item.value) + serializeParameters(item.params);
}

/** Serialises an inner list, e.g. `("@method" "@path");created=1`. */
export function serializeInnerList(list: SfInnerList): string {
  let out = '(';
  for (let i = 0; i < list.items.length; i++) {
    if (i > 0) out += ' ';
    out += serializeItem(list.items[i] as SfItem);
  }
  return `${out})${serializeParameters(list.params)}`;
}

function serializeMember(member: SfMember): string {
  return member.kind === 'inner-list' ? serializeInnerList(member) : serializeItem(member);
}

/** Serialises a dictionary, e.g. `sig1=:AQI=:, sig2=:AwQ=:`. */
export function serializeDictionary(dict: SfDictionary): string {
  const members: string[] = [];
  for (const [key, member] of dict) {
    const k = serializeKey(key);
    if (member.kind === 'item' && member.value.type === 'boolean' && member.value.value) {
      members.push(k + serializeParameters(member.params));
    } else {
      members.push(`${k}=${serializeMember(member)}`);
    }
  }
  return members.join(', ');
}
