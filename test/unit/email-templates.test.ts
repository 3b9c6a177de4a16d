/** Every email template in both languages, the status words, escaping, and the delivery rules that pick them. */
import { categoryOf, emailWorthy, templateOf, TEMPLATES } from '../../delivery/preferences';
import { renderEmail } from '../../delivery/templates/render';
import { backoffMs } from '../../delivery/worker';

const base = { productName: 'Mesa "A&B"', productUrl: 'http://shop.example/#/products/p1', unsubscribeUrl: 'http://shop.example/unsubscribe?token=t' };

test.each(TEMPLATES.flatMap((template) => (['es', 'en'] as const).map((locale) => [template, locale] as const)))('%s in %s: subject, HTML and text with the unsubscribe link', (template, locale) => {
  const sale = template.startsWith('sale_');
  const mail = renderEmail({ ...base, template, locale, ...(sale ? { sale: 'ab12cd34', details: '1 × Mesa; total 10.00' } : { status: 'low_stock', available: 2 }) });
  expect(mail.subject.length).toBeGreaterThan(5);
  expect(mail.text).toContain(base.unsubscribeUrl);
  expect(mail.html).toContain(`<html lang="${locale}">`);
  expect(mail.html).toContain('href="http://shop.example/unsubscribe?token=t"');
  if (!sale) {
    expect(mail.text).toContain(base.productUrl);
    expect(mail.text).toContain(locale === 'es' ? 'stock bajo' : 'low stock');
    expect(mail.text).toContain(locale === 'es' ? '2 unidades disponibles' : '2 units available');
  }
});

test('Spanish status words are "en stock", "stock bajo" and "agotado"; data is escaped in HTML', () => {
  const statuses = ['in_stock', 'low_stock', 'out_of_stock'].map((status) => renderEmail({ ...base, template: 'in_stock', locale: 'es', status, available: 0 }).text);
  expect(statuses[0]).toContain('Estado: en stock');
  expect(statuses[1]).toContain('Estado: stock bajo');
  expect(statuses[2]).toContain('Estado: agotado');
  const html = renderEmail({ ...base, productName: '<script>x</script>', template: 'back_in_stock', locale: 'en', status: 'in_stock', available: 1 }).html;
  expect(html).not.toContain('<script>');
  expect(html).toContain('&lt;script&gt;');
});

test('which template and category a notification gets', () => {
  expect(templateOf({ kind: 'inventory', status: 'in_stock', from: 'out_of_stock' })).toBe('back_in_stock');
  expect(templateOf({ kind: 'inventory', status: 'low_stock', from: 'out_of_stock' })).toBe('back_in_stock');
  expect(templateOf({ kind: 'inventory', status: 'in_stock', from: 'low_stock' })).toBe('in_stock');
  expect(templateOf({ kind: 'inventory', status: 'out_of_stock', from: 'low_stock' })).toBe('out_of_stock');
  expect(templateOf({ kind: 'inventory', status: 'discontinued' })).toBeUndefined();
  expect(templateOf({ kind: 'sale', status: 'CANCELLED' })).toBe('sale_cancelled');
  expect(categoryOf('customers', { kind: 'inventory', status: 'in_stock' })).toBe('followed_stock');
  expect(categoryOf('customers', { kind: 'sale', status: 'RESERVED' })).toBe('own_sales');
  expect(categoryOf('sales', { kind: 'inventory', status: 'low_stock' })).toBe('low_stock');
  expect(categoryOf('admin', { kind: 'inventory', status: 'in_stock' })).toBe('stock_changes');
  // a follower is emailed only when the product comes back
  expect(emailWorthy('followed_stock', 'back_in_stock')).toBe(true);
  expect(emailWorthy('followed_stock', 'out_of_stock')).toBe(false);
  expect(emailWorthy('low_stock', 'out_of_stock')).toBe(true);
});

test('backoff doubles per attempt and is capped', () => {
  expect([1, 2, 3, 4, 10].map((n) => backoffMs(n, 5000, 30_000))).toEqual([5000, 10_000, 20_000, 30_000, 30_000]);
});
