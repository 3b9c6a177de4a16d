/** Who is calling: decoded from the bearer token by api/auth/middleware.ts into res.locals.user. */
import type { Response } from 'express';
import { AppError } from '../../shared/errors';

export const ROLES = ['admin', 'sales', 'customer'] as const;
export type Role = (typeof ROLES)[number];

export interface AuthUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}

/** The authenticated caller; only valid behind `authenticate`. */
export function currentUser(res: Response): AuthUser {
  const user = res.locals.user as AuthUser | undefined;
  if (!user) throw AppError.unauthorized('missing bearer token');
  return user;
}

export const isStaff = (user: AuthUser): boolean => user.role === 'admin' || user.role === 'sales';
