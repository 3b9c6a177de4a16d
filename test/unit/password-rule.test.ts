import { passwordProblem } from '../../shared/password-rule';

describe('the password rule', () => {
  const email = 'ana.lopez@example.com';

  test('a long, uncommon password that is not the email passes', () => {
    expect(passwordProblem('violet-harbour-tram-42', email)).toBeUndefined();
  });

  test('shorter than 10 characters (counted as characters, not bytes) is refused', () => {
    expect(passwordProblem('abc-def-9', email)).toMatch(/at least 10 characters/);
    expect(passwordProblem('ñandú-ñu-1', email)).toBeUndefined(); // 10 characters, 13 bytes
  });

  test('the email, its local part, or either in another letter case is refused', () => {
    expect(passwordProblem(email, email)).toMatch(/must not be your email/);
    expect(passwordProblem(email.toUpperCase(), email)).toMatch(/must not be your email/);
    expect(passwordProblem('ana.lopez', 'ana.lopez@example.com')).toMatch(/at least 10/);
    expect(passwordProblem('ana.lopez.garcia', 'ana.lopez.garcia@example.com')).toMatch(/must not be your email/);
  });

  test.each(['password123', '1234567890', 'qwertyuiop', 'QWERTYUIOP', 'basketball'])('a top-common password (%s) is refused', (pw) => {
    expect(passwordProblem(pw, email)).toMatch(/too common/);
  });
});
