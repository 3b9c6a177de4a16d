/** The accounts' request and response schemas (issue #12): validation and the OpenAPI document. */
import { z } from 'zod';
import { ROLES } from '../auth/types';
import { LOCALES } from '../services/accounts';

const INT32_MAX = 2_147_483_647;

export const emailField = z.string().trim().toLowerCase().email().max(320).openapi({ example: 'ana@example.com' });
/** the rule itself (length, not the email, not common) is checked by the service: it needs the email */
const newPasswordField = z.string().max(1024).openapi({ description: 'at least 10 characters, not your email, not a common password', example: 'violet-harbour-tram-42' });
const nameField = z.string().trim().min(1).max(200).openapi({ example: 'Ana López' });
const localeField = z.enum(LOCALES).openapi({ description: 'language of emails and messages' });

export const loginBody = z
  .object({
    email: emailField.openapi({ example: 'admin@example.com' }),
    password: z.string().min(1).max(1024).openapi({ example: 'demo-password' }),
  })
  .openapi('LoginRequest');

export const registerBody = z
  .object({ email: emailField, password: newPasswordField, name: nameField, locale: localeField.optional() })
  .strict()
  .openapi('RegisterRequest', { description: 'Sign up as a customer. Without `locale`, Accept-Language decides (es or en), else es.' });

export const refreshBody = z.object({ refreshToken: z.string().min(1).max(200) }).openapi('RefreshRequest');

export const updateMeBody = z
  .object({ name: nameField.optional(), locale: localeField.optional() })
  .strict()
  .refine((b) => b.name !== undefined || b.locale !== undefined, { message: 'give name or locale' })
  .openapi('UpdateMeRequest');

export const changePasswordBody = z
  .object({ currentPassword: z.string().min(1).max(1024), newPassword: newPasswordField })
  .strict()
  .openapi('ChangePasswordRequest');

export const createUserBody = z
  .object({ email: emailField, name: nameField, role: z.enum(ROLES), password: newPasswordField, locale: localeField.optional() })
  .strict()
  .openapi('CreateUserRequest');

export const updateUserBody = z
  .object({ role: z.enum(ROLES).optional(), disabled: z.boolean().optional(), name: nameField.optional() })
  .strict()
  .refine((b) => b.role !== undefined || b.disabled !== undefined || b.name !== undefined, { message: 'give role, disabled or name' })
  .openapi('UpdateUserRequest');

export const userIdParams = z.object({ id: z.string().uuid().openapi({ example: '6f1c1e52-3d4b-4f0e-9a51-2d8c0c2f8f10' }) });

export const listUsersQuery = z.object({
  role: z.enum(ROLES).optional(),
  email: emailField.optional(),
  page: z.coerce.number().int().min(1).max(INT32_MAX).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const accountSchema = z
  .object({ id: z.string(), email: z.string(), name: z.string(), role: z.enum(ROLES), locale: z.enum(LOCALES) })
  .openapi('User');

export const userRecordSchema = accountSchema
  .extend({ disabled: z.boolean(), createdAt: z.string().openapi({ format: 'date-time' }) })
  .openapi('UserRecord');

export const sessionSchema = z
  .object({
    token: z.string().openapi({ description: 'access token: send as `Authorization: Bearer <token>`' }),
    expiresIn: z.number().int().openapi({ description: 'seconds until the access token expires', example: 900 }),
    refreshToken: z.string().openapi({ description: 'for POST /auth/refresh (once: each refresh returns the next one) and POST /auth/logout' }),
    refreshExpiresIn: z.number().int().openapi({ description: 'seconds until the refresh token expires', example: 43200 }),
    user: accountSchema,
  })
  .openapi('Session');
