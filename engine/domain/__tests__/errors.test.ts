/**
 * isDatabaseUnavailable: which errors mean "the database is down or restarting" (HTTP 503, a
 * job retried) rather than a fault (500). The messages are FerretDB 2.7's own, recorded while
 * PostgreSQL was stopped, killed and starting (test/features/database-outage.test.ts runs them live).
 */
import { MongoError, MongoNetworkError, MongoServerError, MongoServerSelectionError } from 'mongodb';
import { isDatabaseUnavailable } from '../errors';

const server = (message: string, code = 1) => new MongoServerError({ message, code, codeName: 'InternalError' } as any);

describe('isDatabaseUnavailable', () => {
  it.each([
    ['PostgreSQL refusing connections', 'msg_find.go:43 (handler.(*Handler).msgFind): pool_cursors.go:132 (documentdb.(*Pool).Find): pool.go:90 (documentdb.(*Pool).Acquire): failed to connect to `user=postgres database=postgres`:\n\t127.0.0.1:42117 (127.0.0.1): dial error: dial tcp 127.0.0.1:42117: connect: connection refused'],
    ['PostgreSQL shutting down under an open connection', 'terminating connection due to administrator command'],
    ['PostgreSQL starting', 'FATAL: the database system is starting up (SQLSTATE 57P03)'],
    ['authentication while PostgreSQL is down', 'msg_saslstart.go:47 (handler.(*Handler).msgSASLStart): pool.go:90 (documentdb.(*Pool).Acquire): failed to connect to `user=postgres database=postgres`: dial error'],
  ])('FerretDB: %s', (_what, message) => {
    expect(isDatabaseUnavailable(server(message))).toBe(true);
  });

  it('driver errors: network, server selection, a cleared pool; MongoDB failover codes', () => {
    expect(isDatabaseUnavailable(new MongoNetworkError('connect ECONNREFUSED 127.0.0.1:27017'))).toBe(true);
    expect(isDatabaseUnavailable(new MongoServerSelectionError('Server selection timed out after 10000 ms', {} as any))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('Connection pool was cleared'), { name: 'MongoPoolClearedError' }))).toBe(true);
    expect(isDatabaseUnavailable(server('not primary', 10107))).toBe(true);
    expect(isDatabaseUnavailable(server('interrupted at shutdown', 11600))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('Operation `cases.findOne()` buffering timed out after 10000ms'), { name: 'MongooseError' }))).toBe(true);
  });

  it('looks through `cause`', () => {
    expect(isDatabaseUnavailable(new Error('intake failed', { cause: new MongoNetworkError('socket closed') }))).toBe(true);
  });

  it('is false for faults and for other services being down', () => {
    expect(isDatabaseUnavailable(server('E11000 duplicate key error', 11000))).toBe(false);
    expect(isDatabaseUnavailable(server('unknown operator: $foo', 2))).toBe(false);
    expect(isDatabaseUnavailable(new MongoError('something else'))).toBe(false);
    // the province feed's HTTP endpoint refusing connections is not the database
    expect(isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:443'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});
