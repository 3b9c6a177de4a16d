import { SignJWT } from 'jose';
import { signToken } from '../../api/auth/tokens';
import { UNSUBSCRIBE_PATH, signUnsubscribeToken, unsubscribeUrl, verifyUnsubscribeToken, type UnsubscribeRequest } from '../../delivery/unsubscribe-links';
import { getConfig } from '../../shared/config';

const product: UnsubscribeRequest = { userId: 'user-1', scope: { kind: 'product', productId: '42' } };

describe('unsubscribe tokens', () => {
  test.each<UnsubscribeRequest>([
    product,
    { userId: 'user-2', scope: { kind: 'category', category: 'sale-events' } },
    { userId: 'user-3', scope: { kind: 'all' } },
  ])('round trip: $scope.kind', async (request) => {
    expect(await verifyUnsubscribeToken(await signUnsubscribeToken(request))).toEqual({ ok: true, request });
  });

  test('the link is PUBLIC_BASE_URL + /unsubscribe?token=… and its token verifies', async () => {
    const url = new URL(await unsubscribeUrl(product));
    expect(`${url.origin}${url.pathname}`).toBe(`${getConfig().mail.publicBaseUrl}${UNSUBSCRIBE_PATH}`);
    expect(await verifyUnsubscribeToken(url.searchParams.get('token')!)).toEqual({ ok: true, request: product });
  });

  test('a token whose payload was changed (another product) is rejected', async () => {
    const [header, , signature] = (await signUnsubscribeToken(product)).split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'user-1', scope: { kind: 'all' }, iss: 'sales-saga', aud: 'unsubscribe', exp: 4102444800 })).toString('base64url');
    expect(await verifyUnsubscribeToken(`${header}.${forged}.${signature}`)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('an expired token is rejected as expired', async () => {
    const token = await signUnsubscribeToken(product, { issuedAt: Math.floor(Date.now() / 1000) - 7200, ttlSeconds: 3600 });
    expect(await verifyUnsubscribeToken(token)).toEqual({ ok: false, reason: 'expired' });
  });

  test('a token signed with another secret is rejected', async () => {
    const token = await signUnsubscribeToken(product, { secret: 'some-other-secret-that-is-long-enough-000' });
    expect(await verifyUnsubscribeToken(token)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('a login token is not an unsubscribe token (different key)', async () => {
    const { token } = await signToken({ id: 'user-1', email: 'c@example.com', name: 'C', role: 'customer' });
    expect(await verifyUnsubscribeToken(token)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('a token with the right key but made for another purpose is rejected', async () => {
    const token = await new SignJWT({ scope: { kind: 'all' } })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('user-1')
      .setIssuer('sales-saga')
      .setAudience('password-reset')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(getConfig().mail.unsubscribeSecret));
    expect(await verifyUnsubscribeToken(token)).toEqual({ ok: false, reason: 'wrong-purpose' });
  });

  test('garbage and a token with an unknown scope are malformed', async () => {
    expect(await verifyUnsubscribeToken('not-a-token')).toEqual({ ok: false, reason: 'malformed' });
    const token = await new SignJWT({ scope: { kind: 'everything' } })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('user-1')
      .setIssuer('sales-saga')
      .setAudience('unsubscribe')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(getConfig().mail.unsubscribeSecret));
    expect(await verifyUnsubscribeToken(token)).toEqual({ ok: false, reason: 'malformed' });
  });

  test('an invalid scope is refused when signing', async () => {
    await expect(signUnsubscribeToken({ userId: 'u', scope: { kind: 'category', category: 'Not A Name' } })).rejects.toThrow(/lower-case name/);
  });
});
