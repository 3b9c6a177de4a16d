/** The consumers' pure rules: message validation, poison classification, notify rule, revenue split. */
import { tallySale, revenueShares } from '../../consumers/analytics';
import { PoisonMessageError, isPoison, parseEvent } from '../../consumers/messages';
import { isStatusNews } from '../../consumers/notify';
import { saleEvent, stockChanged, statusReported } from '../helpers/events';

const buf = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

describe('parseEvent', () => {
  test('valid events parse for their own topic', () => {
    const inv = stockChanged('p1', 2, 'in_stock', 'out_of_stock');
    expect(parseEvent('inventory-updates', buf(inv))).toEqual({ kind: 'inventory', event: inv });
    const sale = saleEvent('completed', { items: [{ productId: 'p1', quantity: 1, unitPrice: 100 }] });
    expect(parseEvent('sale.completed', buf(sale))).toEqual({ kind: 'sale', event: sale });
  });

  test.each([
    ['no value', 'inventory-updates', null, /empty/],
    ['not JSON', 'inventory-updates', buf('{oops'), /not JSON/],
    ['missing fields', 'inventory-updates', buf({ product_id: 'p1' }), /invalid inventory event/],
    ['a sale event on the wrong topic', 'sale.cancelled', buf(saleEvent('created', { items: [{ productId: 'p', quantity: 1, unitPrice: 1 }] })), /does not belong on topic sale.cancelled/],
    ['an unknown topic', 'elsewhere', buf({}), /no schema/],
  ])('%s is poison', (_name, topic, value, message) => {
    expect(() => parseEvent(topic, value)).toThrow(PoisonMessageError);
    expect(() => parseEvent(topic, value)).toThrow(message);
  });
});

test('isPoison: data and integrity errors are, connection trouble is not', () => {
  expect(isPoison(new PoisonMessageError('x'))).toBe(true);
  expect(isPoison(Object.assign(new Error('fk'), { code: '23503' }))).toBe(true);
  expect(isPoison(Object.assign(new Error('bad uuid'), { code: '22P02' }))).toBe(true);
  expect(isPoison(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(false);
  expect(isPoison(Object.assign(new Error('serialization'), { code: '40001' }))).toBe(false);
  expect(isPoison(Object.assign(new Error('shutting down'), { code: '57P01' }))).toBe(false);
  expect(isPoison(new Error('timeout'))).toBe(false);
});

test('isStatusNews: a status change or a reported status; not a level-only change', () => {
  expect(isStatusNews(stockChanged('p', 2, 'in_stock', 'low_stock'))).toBe(true);
  expect(isStatusNews(stockChanged('p', 2, 'low_stock', 'low_stock'))).toBe(false);
  expect(isStatusNews(statusReported('p', 2, 'in_stock'))).toBe(true);
});

test('isStatusNews: measured from the status the group holds, when it holds one (events out of order)', () => {
  // v4 "low → low" arrived before v3 "in → low": the group still holds in_stock, so v4 is the news
  expect(isStatusNews(stockChanged('p', 4, 'low_stock', 'low_stock'), 'in_stock')).toBe(true);
  // v4 "in → in" before v3 "low → in": the group holds low_stock
  expect(isStatusNews(stockChanged('p', 4, 'in_stock', 'in_stock'), 'low_stock')).toBe(true);
  // v4 "low → in" before v3 "in → low": back at the status the group holds, no one was told otherwise
  expect(isStatusNews(stockChanged('p', 4, 'low_stock', 'in_stock'), 'in_stock')).toBe(false);
  // in order, as before
  expect(isStatusNews(stockChanged('p', 3, 'in_stock', 'low_stock'), 'in_stock')).toBe(true);
  expect(isStatusNews(stockChanged('p', 4, 'low_stock', 'low_stock'), 'low_stock')).toBe(false);
  // nothing held (the group's first event for the product): the event's previous_status
  expect(isStatusNews(stockChanged('p', 2, 'in_stock', 'low_stock'), null)).toBe(true);
  expect(isStatusNews(stockChanged('p', 2, 'low_stock', 'low_stock'), null)).toBe(false);
  // a reported status is news whatever is held
  expect(isStatusNews(statusReported('p', 2, 'in_stock'), 'in_stock')).toBe(true);
});

describe('revenue shares', () => {
  test('pro rata to line subtotals, whole units, summing to the total', () => {
    expect(revenueShares([{ quantity: 3, unit_price: 333 }, { quantity: 1, unit_price: 1000 }], 1799)).toEqual([899, 900]);
    expect(revenueShares([{ quantity: 1, unit_price: 1 }, { quantity: 1, unit_price: 1 }, { quantity: 1, unit_price: 1 }], 2)).toEqual([1, 1, 0]);
    expect(revenueShares([{ quantity: 2, unit_price: 0 }], 0)).toEqual([0]);
    const big = revenueShares([{ quantity: 10_000, unit_price: 2_000_000_000 }, { quantity: 7, unit_price: 3 }], 2_000_000_000);
    expect(big.reduce((a, b) => a + b, 0)).toBe(2_000_000_000);
  });

  test('a product listed twice is one tally', () => {
    expect(tallySale({ total: 300, items: [{ product_id: 'a', quantity: 1, unit_price: 100 }, { product_id: 'a', quantity: 2, unit_price: 100 }] })).toEqual([{ productId: 'a', units: 3, revenue: 300 }]);
  });
});
