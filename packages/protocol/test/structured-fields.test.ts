import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDictionary } from '../src/signatures/sf-parse.js';
import { serializeBareItem, serializeDictionary } from '../src/signatures/sf-serialize.js';
import { type BareItem, SF_MAX_INPUT_LENGTH, type SfDictionary, sf } from '../src/signatures/sf-types.js';

function parsed(input: string): SfDictionary {
  const r = parseDictionary(input);
  if (!r.ok) throw new Error(`unexpected parse error: ${r.error.message}`);
  return r.value;
}

describe('parseDictionary', () => {
  it('parses a Signature-Input member', () => {
    const dict = parsed('sig1=("@method" "@path");created=1618884473;keyid="k\\"1";alg=ed25519');
    const member = dict.get('sig1');
    expect(member?.kind).toBe('inner-list');
    if (member?.kind !== 'inner-list') return;
    expect(member.items.map((i) => i.value)).toEqual([sf.string('@method'), sf.string('@path')]);
    expect([...member.params]).toEqual([
      ['created', sf.integer(1618884473)],
      ['keyid', sf.string('k"1')],
      ['alg', sf.token('ed25519')],
    ]);
  });

  it('parses byte sequences, booleans, bare keys, OWS and several members', () => {
    const dict = parsed('a=:AQID:,\tb=?0 , c, d=?1;x, e=-12');
    expect(dict.get('a')).toEqual(sf.item(sf.bytes(new Uint8Array([1, 2, 3]))));
    expect(dict.get('b')).toEqual(sf.item(sf.boolean(false)));
    expect(dict.get('c')).toEqual(sf.item(sf.boolean(true)));
    expect(dict.get('d')).toEqual(sf.item(sf.boolean(true), new Map([['x', sf.boolean(true)]])));
    expect(dict.get('e')).toEqual(sf.item(sf.integer(-12)));
  });

  it('accepts unpadded base64 and keeps the last duplicate in first position', () => {
    const dict = parsed('a=:AQI:, b=1, a=2');
    expect([...dict.keys()]).toEqual(['a', 'b']);
    expect(dict.get('a')).toEqual(sf.item(sf.integer(2)));
  });

  it.each([
    ['empty key', '=1'],
    ['upper-case key', 'Sig=1'],
    ['trailing comma', 'a=1,'],
    ['missing comma', 'a=1 b=2'],
    ['unterminated inner list', 'a=("x" "y"'],
    ['inner list without separator', 'a=("x""y")'],
    ['unterminated string', 'a="abc'],
    ['bad escape', 'a="\\n"'],
    ['control character in string', 'a="a\tb"'],
    ['non-ASCII in string', 'a="é"'],
    ['unterminated byte sequence', 'a=:AQID'],
    ['invalid base64', 'a=:A*ID:'],
    ['impossible base64 length', 'a=:A:'],
    ['decimal', 'a=1.5'],
    ['integer too long', 'a=1234567890123456'],
    ['lone minus', 'a=-'],
    ['bad boolean', 'a=?2'],
    ['bad bare item', 'a=@x'],
    ['trailing garbage', 'a=1;'],
  ])('returns a typed error for %s', (_why, input) => {
    const r = parseDictionary(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('sf_parse_error');
      expect(typeof r.error.message).toBe('string');
      expect(r.error.offset).toBeGreaterThanOrEqual(0);
    }
  });

  it('refuses oversized input before parsing', () => {
    const r = parseDictionary(`a="${'x'.repeat(SF_MAX_INPUT_LENGTH)}"`);
    expect(r.ok).toBe(false);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: 'binary' }), (s) => {
        expect(() => parseDictionary(s)).not.toThrow();
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...'a=("@;:?1-", \t)*:AQ=/+x'), { maxLength: 60 }), (cs) => {
        expect(() => parseDictionary(cs.join(''))).not.toThrow();
      }),
    );
  });
});

describe('serialisation', () => {
  const bareItem: fc.Arbitrary<BareItem> = fc.oneof(
    fc.integer({ min: -1e15 + 1, max: 1e15 - 1 }).map(sf.integer),
    fc
      .string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) })
      .map(sf.string),
    fc.stringMatching(/^[A-Za-z*][A-Za-z0-9:/!#$%&'*+.^_`|~-]{0,10}$/).map(sf.token),
    fc.boolean().map(sf.boolean),
    fc.uint8Array({ maxLength: 40 }).map(sf.bytes),
  );
  const key = fc.stringMatching(/^[a-z*][a-z0-9_.*-]{0,8}$/);

  it('round-trips dictionaries of items and inner lists', () => {
    const member = fc.oneof(
      fc
        .tuple(bareItem, fc.array(fc.tuple(key, bareItem), { maxLength: 3 }))
        .map(([v, p]) => sf.item(v, new Map(p))),
      fc
        .tuple(fc.array(bareItem, { maxLength: 4 }), fc.array(fc.tuple(key, bareItem), { maxLength: 3 }))
        .map(([items, p]) =>
          sf.innerList(
            items.map((i) => sf.item(i)),
            new Map(p),
          ),
        ),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(key, member), { minLength: 1, maxLength: 4 }), (entries) => {
        const dict = new Map(entries);
        const text = serializeDictionary(dict);
        const again = parseDictionary(text);
        expect(again.ok).toBe(true);
        if (again.ok) expect(serializeDictionary(again.value)).toBe(text);
      }),
    );
  });

  it('escapes strings and throws TypeError on values it cannot represent', () => {
    expect(serializeBareItem(sf.string('a"b\\c'))).toBe('"a\\"b\\\\c"');
    expect(() => serializeBareItem(sf.string('é'))).toThrow(TypeError);
    expect(() => serializeBareItem(sf.integer(1.5))).toThrow(TypeError);
    expect(() => serializeBareItem(sf.integer(1e15))).toThrow(TypeError);
    expect(() => serializeBareItem(sf.token('1abc'))).toThrow(TypeError);
    expect(() => serializeDictionary(new Map([['Bad', sf.item(sf.integer(1))]]))).toThrow(TypeError);
  });
});
