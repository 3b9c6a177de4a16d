/**
 * Admins manage users (issue #12): create staff and admins, list, change role / name / disabled,
 * delete (a soft delete: the sales they made or bought keep pointing at them). A disabled or
 * deleted user's tokens stop working at once (api/auth/active-user.ts).
 */
import { Router } from 'express';
import { z } from 'zod';
import { authenticate, requireRole } from '../auth/middleware';
import { currentUser } from '../auth/types';
import type { Dependencies } from '../dependencies';
import { jsonResponse, openapi, problemResponse, secured } from '../openapi';
import { createUser, deleteUser, listUsers, updateUser } from '../services/accounts';
import { parseBody, parseParams, parseQuery } from '../validate';
import { createUserBody, listUsersQuery, updateUserBody, userIdParams, userRecordSchema } from './account-schemas';

const usersPage = z
  .object({ data: z.array(userRecordSchema), page: z.number().int(), limit: z.number().int(), total: z.number().int() })
  .openapi('UsersPage');

const adminOnly = { 401: problemResponse('Not authenticated'), 403: problemResponse('Requires role admin') };

openapi.registerPath({
  method: 'post', path: '/users', tags: ['users'], security: secured,
  summary: 'Create a user of any role (admin)',
  request: { body: { required: true, content: { 'application/json': { schema: createUserBody } } } },
  responses: {
    201: jsonResponse('Created', userRecordSchema),
    400: problemResponse('Invalid body, or the password breaks the rule'),
    409: problemResponse('An account with this email already exists'),
    ...adminOnly,
  },
});
openapi.registerPath({
  method: 'get', path: '/users', tags: ['users'], security: secured,
  summary: 'Users not deleted, newest first (admin)',
  request: { query: listUsersQuery },
  responses: { 200: jsonResponse('A page of users', usersPage), 400: problemResponse('Invalid query'), ...adminOnly },
});
openapi.registerPath({
  method: 'patch', path: '/users/{id}', tags: ['users'], security: secured,
  summary: "Change a user's role, name or disabled state (admin); applies to their tokens at once",
  request: { params: userIdParams, body: { required: true, content: { 'application/json': { schema: updateUserBody } } } },
  responses: {
    200: jsonResponse('The user now', userRecordSchema),
    400: problemResponse('Invalid id or body'),
    404: problemResponse('No such user'),
    409: problemResponse('An admin cannot demote or disable themselves'),
    ...adminOnly,
  },
});
openapi.registerPath({
  method: 'delete', path: '/users/{id}', tags: ['users'], security: secured,
  summary: 'Delete a user (admin): soft delete, their sales history stays; their tokens stop at once',
  request: { params: userIdParams },
  responses: {
    204: { description: 'Deleted' },
    400: problemResponse('Invalid id'),
    404: problemResponse('No such user'),
    409: problemResponse('An admin cannot delete themselves'),
    ...adminOnly,
  },
});

export function userRoutes(deps: Dependencies): Router {
  const router = Router();
  const admin = [authenticate, requireRole('admin')];

  router.post('/users', ...admin, async (req, res) => {
    res.status(201).json(await createUser(deps.db, parseBody(createUserBody, req)));
  });

  router.get('/users', ...admin, async (req, res) => {
    res.json(await listUsers(deps.db, parseQuery(listUsersQuery, req)));
  });

  router.patch('/users/:id', ...admin, async (req, res) => {
    const { id } = parseParams(userIdParams, req);
    res.json(await updateUser(deps.db, currentUser(res), id, parseBody(updateUserBody, req)));
  });

  router.delete('/users/:id', ...admin, async (req, res) => {
    const { id } = parseParams(userIdParams, req);
    await deleteUser(deps.db, currentUser(res), id);
    res.status(204).end();
  });

  return router;
}
