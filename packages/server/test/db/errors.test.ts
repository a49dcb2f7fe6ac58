import { describe, expect, it } from 'vitest';
import { DatabaseStalled } from '../../src/db/database.js';
import { databaseUnavailability } from '../../src/db/errors.js';

const withCode = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });

describe('databaseUnavailability', () => {
  it.each([
    ['admin shutdown (pg_ctl stop -m fast)', withCode('57P01'), 'down'],
    ['crash shutdown', withCode('57P02'), 'down'],
    ['starting up / shutting down', withCode('57P03'), 'down'],
    ['connection exception class 08', withCode('08006'), 'down'],
    ['connection refused', withCode('ECONNREFUSED'), 'down'],
    ['connection reset', withCode('ECONNRESET'), 'down'],
    ['statement_timeout', withCode('57014'), 'busy'],
    ['too many connections', withCode('53300'), 'busy'],
    ['pool acquisition timeout', new Error('timeout exceeded when trying to connect'), 'busy'],
    ['connect timeout', new Error('Connection terminated due to connection timeout'), 'down'],
    ['connection lost', new Error('Connection terminated unexpectedly'), 'down'],
    ['client broken', new Error('Client has encountered a connection error and is not queryable'), 'down'],
    ['the stall guard', new DatabaseStalled(3000), 'down'],
    ['a locked SQLite database', withCode('SQLITE_BUSY'), 'busy'],
    ['SQLITE_BUSY_SNAPSHOT', withCode('SQLITE_BUSY_SNAPSHOT'), 'busy'],
    ['refused on every address', new AggregateError([withCode('ECONNREFUSED')], 'connect failed'), 'down'],
    ['wrapped as a cause', new Error('outer', { cause: withCode('57P01') }), 'down'],
  ])('%s is unavailable (%s)', (_name, error, kind) => {
    const found = databaseUnavailability(error);
    expect(found?.kind).toBe(kind);
    expect(found?.retryAfter).toBeGreaterThanOrEqual(1);
  });

  it.each([
    ['a unique violation', withCode('23505')],
    ['a syntax error', withCode('42601')],
    ['a SQLite constraint', withCode('SQLITE_CONSTRAINT_UNIQUE')],
    ['a plain bug', new TypeError('cannot read properties of undefined')],
    ['a permission error code from Node', withCode('EPERM')],
    ['not an error', 'Connection terminated'],
    ['null', null],
  ])('%s is not (it stays a 500)', (_name, error) => {
    expect(databaseUnavailability(error)).toBeUndefined();
  });

  it('stops following a cause cycle', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    a.cause = a;
    expect(databaseUnavailability(a)).toBeUndefined();
  });
});
