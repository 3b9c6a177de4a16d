/**
 * The password rule (issue #12), the same for sign-up, staff created by an admin, a password
 * change and bin/create-admin.ts: at least 10 characters, not the email (or its local part), and
 * not one of the most common passwords. The list is zxcvbn-ts' common-password dictionary (about
 * 50 000 entries from leaked-password corpora); only entries long enough to pass the length rule
 * matter, and they are compared ignoring letter case.
 */
import { dictionary } from '@zxcvbn-ts/language-common';

export const MIN_PASSWORD_LENGTH = 10;

let common: Set<string> | undefined;

function commonPasswords(): Set<string> {
  common ??= new Set(dictionary['passwords-common'].filter((p) => [...p].length >= MIN_PASSWORD_LENGTH).map((p) => p.toLowerCase()));
  return common;
}

/** What is wrong with `password` for the account `email`, or undefined when it is acceptable. */
export function passwordProblem(password: string, email: string): string | undefined {
  // characters, not UTF-16 units or bytes: "ñandú" is five
  if ([...password].length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters long`;
  const candidate = password.trim().toLowerCase();
  const address = email.trim().toLowerCase();
  if (candidate === address || candidate === address.split('@')[0]) return 'must not be your email address';
  if (commonPasswords().has(candidate)) return 'is too common (it is on a list of the most used passwords); choose another';
  return undefined;
}
