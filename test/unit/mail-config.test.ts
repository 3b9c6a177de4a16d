import { ConfigError, parseConfig } from '../../shared/config';

describe('mail settings', () => {
  test('by default mail goes to the local server the stack provisions, on 127.0.0.1:1025 with its UI on 8025', () => {
    const { mail } = parseConfig({});
    expect(mail).toMatchObject({
      external: false,
      smtpUrl: 'smtp://127.0.0.1:1025',
      uiUrl: 'http://127.0.0.1:8025',
      publicBaseUrl: 'http://127.0.0.1:3000',
      unsubscribeTtlSeconds: 365 * 24 * 3600,
    });
  });

  test('LOCAL_SMTP_PORT / LOCAL_SMTP_UI_PORT move the local server', () => {
    const { mail } = parseConfig({ LOCAL_SMTP_PORT: '11025', LOCAL_SMTP_UI_PORT: '18025' });
    expect(mail).toMatchObject({ smtpUrl: 'smtp://127.0.0.1:11025', uiUrl: 'http://127.0.0.1:18025' });
  });

  test('SMTP_URL means an external server: nothing local, no mail UI', () => {
    const { mail } = parseConfig({ SMTP_URL: 'smtps://user:pw@smtp.example.com:465', PUBLIC_BASE_URL: 'https://shop.example.com/' });
    expect(mail).toMatchObject({ external: true, smtpUrl: 'smtps://user:pw@smtp.example.com:465', uiUrl: undefined, publicBaseUrl: 'https://shop.example.com' });
  });

  test('an SMTP_URL that is not smtp:// or smtps:// is refused with a message that says so', () => {
    expect(() => parseConfig({ SMTP_URL: 'http://mail.example.com' })).toThrow(ConfigError);
    expect(() => parseConfig({ SMTP_URL: 'http://mail.example.com' })).toThrow(/SMTP_URL must be smtp:\/\/ or smtps:\/\//);
  });

  test('the unsubscribe key is derived from JWT_SECRET unless UNSUBSCRIBE_SECRET is set, and is never JWT_SECRET itself', () => {
    const jwt = 'a-real-production-secret-of-enough-length-0123456789';
    const derived = parseConfig({ JWT_SECRET: jwt }).mail.unsubscribeSecret;
    expect(derived).not.toBe(jwt);
    expect(parseConfig({ JWT_SECRET: `${jwt}x` }).mail.unsubscribeSecret).not.toBe(derived);
    expect(parseConfig({ JWT_SECRET: jwt, UNSUBSCRIBE_SECRET: 'u'.repeat(32) }).mail.unsubscribeSecret).toBe('u'.repeat(32));
    expect(() => parseConfig({ UNSUBSCRIBE_SECRET: 'short' })).toThrow(/UNSUBSCRIBE_SECRET must be at least 32 characters/);
  });
});
