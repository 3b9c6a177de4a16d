/**
 * Accounts (issue #12): logging in, signing up, the caller's own profile and password, and the
 * admin's management of users. Deleting is a soft delete (users.deleted_at): sales keep their
 * created_by / customer_user_id, the user stops counting everywhere else.
 */
import type { Knex } from 'knex';
import { AppError } from '../../shared/errors';
import { passwordProblem } from '../../shared/password-rule';
import { hashPassword, needsRehash, verifyPassword } from '../../shared/passwords';
import { revokeAllRefreshTokens } from '../auth/refresh-tokens';
import type { AuthUser, Role } from '../auth/types';

export const LOCALES = ['es', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/** A user as they see themselves. */
export interface Account extends AuthUser {
  locale: Locale;
}

/** A user as an admin sees them. */
export interface UserRecord extends Account {
  disabled: boolean;
  createdAt: string;
}

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  locale: Locale;
  password_hash: string;
  disabled_at: Date | null;
  created_at: Date;
}

const PG_UNIQUE_VIOLATION = '23505';
const COLUMNS = ['id', 'email', 'name', 'role', 'locale', 'disabled_at', 'created_at'] as const;

const toAccount = (row: Pick<UserRow, 'id' | 'email' | 'name' | 'role' | 'locale'>): Account => ({ id: row.id, email: row.email, name: row.name, role: row.role, locale: row.locale });
const toRecord = (row: Omit<UserRow, 'password_hash'>): UserRecord => ({ ...toAccount(row), disabled: row.disabled_at !== null, createdAt: row.created_at.toISOString() });

/** Users not deleted: what every account query starts from. */
const liveUsers = (db: Knex): Knex.QueryBuilder => db('users').whereNull('deleted_at');

/** 400 with the rule that `password` breaks, as a field error like zod's. */
export function assertPasswordAllowed(password: string, email: string, field: string): void {
  const problem = passwordProblem(password, email);
  if (problem) throw AppError.badRequest(`invalid body: ${field}: ${problem}`, { errors: [{ path: field, message: problem }] });
}

function duplicateEmail(err: unknown, email: string): AppError | undefined {
  return (err as { code?: string }).code === PG_UNIQUE_VIOLATION ? AppError.conflict(`an account with the email ${email} already exists`) : undefined;
}

// Verified against when the email is unknown, so that path costs one scrypt like a real check.
let dummyHash: Promise<string> | undefined;
export const dummyPasswordHash = (): Promise<string> => (dummyHash ??= hashPassword('no-such-user-dummy-password'));

/**
 * The same 401 whether the email is unknown or the password wrong, after the same scrypt work, so
 * neither the message nor the timing tells which emails have accounts. A hash of an older cost is
 * replaced by one of the current cost once the password is known to be right.
 */
export async function logIn(db: Knex, email: string, password: string): Promise<Account> {
  const row = (await liveUsers(db).whereRaw('lower(email) = ?', [email]).first()) as UserRow | undefined;
  const valid = await verifyPassword(password, row?.password_hash ?? (await dummyPasswordHash()));
  if (!row || !valid) throw AppError.unauthorized('invalid email or password');
  if (row.disabled_at) throw AppError.unauthorized('this account is disabled; ask an administrator');
  if (needsRehash(row.password_hash)) {
    await db('users').where({ id: row.id, password_hash: row.password_hash }).update({ password_hash: await hashPassword(password) });
  }
  return toAccount(row);
}

export async function register(db: Knex, input: { email: string; password: string; name: string; locale: Locale }): Promise<Account> {
  const user = await createUser(db, { ...input, role: 'customer' });
  return toAccount(user);
}

export async function createUser(db: Knex, input: { email: string; password: string; name: string; role: Role; locale?: Locale }): Promise<UserRecord> {
  assertPasswordAllowed(input.password, input.email, 'password');
  const passwordHash = await hashPassword(input.password);
  try {
    const [row] = (await db('users')
      .insert({ email: input.email, name: input.name, role: input.role, locale: input.locale ?? 'es', password_hash: passwordHash })
      .returning([...COLUMNS])) as Omit<UserRow, 'password_hash'>[];
    return toRecord(row!);
  } catch (err) {
    throw duplicateEmail(err, input.email) ?? err;
  }
}

export async function listUsers(db: Knex, query: { role?: Role; email?: string; page: number; limit: number }): Promise<{ data: UserRecord[]; page: number; limit: number; total: number }> {
  const filtered = liveUsers(db).modify((q: Knex.QueryBuilder) => {
    if (query.role) void q.where({ role: query.role });
    if (query.email) void q.whereRaw('lower(email) = ?', [query.email]);
  });
  const [rows, [count]] = await Promise.all([
    filtered.clone().select(...COLUMNS).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]).limit(query.limit).offset((query.page - 1) * query.limit) as Promise<Omit<UserRow, 'password_hash'>[]>,
    filtered.clone().count({ n: '*' }) as Promise<{ n: string }[]>,
  ]);
  return { data: rows.map(toRecord), page: query.page, limit: query.limit, total: Number(count?.n ?? 0) };
}

async function liveUser(db: Knex, id: string): Promise<Omit<UserRow, 'password_hash'>> {
  const row = (await liveUsers(db).where({ id }).first(...COLUMNS)) as Omit<UserRow, 'password_hash'> | undefined;
  if (!row) throw AppError.notFound(`no user ${id}`);
  return row;
}

/** An admin changes a user's role, name or disabled state; disabling ends their sessions at once. */
export async function updateUser(db: Knex, actor: AuthUser, id: string, change: { role?: Role; disabled?: boolean; name?: string }): Promise<UserRecord> {
  const current = await liveUser(db, id);
  if (id === actor.id && ((change.role !== undefined && change.role !== current.role) || change.disabled === true)) {
    throw AppError.conflict('you cannot demote or disable yourself; ask another admin');
  }
  const update: Record<string, unknown> = {};
  if (change.role !== undefined) update.role = change.role;
  if (change.name !== undefined) update.name = change.name;
  if (change.disabled !== undefined) update.disabled_at = change.disabled ? (current.disabled_at ?? db.fn.now()) : null;
  const [row] = (await liveUsers(db).where({ id }).update(update).returning([...COLUMNS])) as Omit<UserRow, 'password_hash'>[];
  if (!row) throw AppError.notFound(`no user ${id}`);
  if (change.disabled) await revokeAllRefreshTokens(db, id);
  return toRecord(row);
}

export async function deleteUser(db: Knex, actor: AuthUser, id: string): Promise<void> {
  if (id === actor.id) throw AppError.conflict('you cannot delete yourself; ask another admin');
  const deleted = await liveUsers(db).where({ id }).update({ deleted_at: db.fn.now() });
  if (deleted === 0) throw AppError.notFound(`no user ${id}`);
  await revokeAllRefreshTokens(db, id);
}

export async function accountOf(db: Knex, id: string): Promise<Account> {
  return toAccount(await liveUser(db, id));
}

export async function updateOwnAccount(db: Knex, id: string, change: { name?: string; locale?: Locale }): Promise<Account> {
  const [row] = (await liveUsers(db).where({ id }).update(change).returning([...COLUMNS])) as UserRow[];
  if (!row) throw AppError.unauthorized('the user of this token no longer exists');
  return toAccount(row);
}

/** Needs the current password; ends every session (refresh token) of the user. */
export async function changePassword(db: Knex, user: AuthUser, currentPassword: string, newPassword: string): Promise<Account> {
  const row = (await liveUsers(db).where({ id: user.id }).first()) as UserRow | undefined;
  if (!row) throw AppError.unauthorized('the user of this token no longer exists');
  if (!(await verifyPassword(currentPassword, row.password_hash))) throw AppError.forbidden('the current password is wrong');
  assertPasswordAllowed(newPassword, row.email, 'newPassword');
  // hashed first: scrypt is slow on purpose and need not hold a connection
  const passwordHash = await hashPassword(newPassword);
  await db.transaction(async (trx) => {
    await trx('users').where({ id: user.id }).update({ password_hash: passwordHash });
    await revokeAllRefreshTokens(trx, user.id);
  });
  return toAccount(row);
}
