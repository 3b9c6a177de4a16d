import { describeDataError, deterministicSqlState } from '../../activities/data-errors';

test.each([
  ['22003', 'numeric value out of range'],
  ['22P02', 'invalid text representation'],
  ['23514', 'check violation'],
  ['23503', 'foreign key violation'],
])('SQLSTATE %s (%s) is deterministic: not worth a retry', (code) => {
  expect(deterministicSqlState(Object.assign(new Error('x'), { code }))).toBe(code);
});

test.each([
  ['23505', 'unique violation: another attempt may have written it; the retry reads it'],
  ['40001', 'serialization failure'],
  ['57P01', 'admin shutdown'],
  ['ECONNREFUSED', 'the database is down'],
])('%s (%s) stays retryable', (code) => {
  expect(deterministicSqlState(Object.assign(new Error('x'), { code }))).toBeUndefined();
});

test('errors without a code, and non-errors, are left alone', () => {
  expect(deterministicSqlState(new Error('plain'))).toBeUndefined();
  expect(deterministicSqlState(null)).toBeUndefined();
  expect(deterministicSqlState('22003')).toBeUndefined();
});

test('the description names the problem and the rule, never the SQL', () => {
  const err = Object.assign(new Error('UPDATE inventory SET … - new row violates check constraint'), { code: '23514', constraint: 'products_price_positive' });
  expect(describeDataError(err, '23514')).toBe('the database refused the data: a value breaks a rule (rule products_price_positive)');
  expect(describeDataError(new Error('x'), '22008')).toBe('the database refused the data: invalid data (SQLSTATE 22008)');
});
