/** What the OpenAPI document says alike for both live streams (authentication, caps). */
import { z } from 'zod';
import { openapi, problemResponse, secured } from '../openapi';

export const STREAM_AUTH_DESCRIPTION =
  'Authenticate with `Authorization: Bearer <token>`, or (EventSource cannot set headers) with `?ticket=<ticket>` from ' +
  'POST /stream-tickets: one use, valid for a minute; get a new one before every reconnect. `?access_token=` is refused (401). ' +
  'The stream ends when the token (the one the ticket was issued with) expires or the account is removed: an `event: end` with ' +
  '`{"reason": "token_expired" | "user_inactive"}` comes last. A client that does not read is dropped once too much waits for it; ' +
  'reconnecting with Last-Event-ID loses nothing. ';

export const streamAuthQuery = z.object({
  ticket: z.string().optional().openapi({ description: 'a one-use stream ticket (POST /stream-tickets), for EventSource' }),
});

export const streamLimitResponses = {
  401: problemResponse('Not authenticated: no or an invalid token, an unknown, used or expired ticket, or `?access_token=`'),
  429: problemResponse('Too many live streams for this user or this server; see Retry-After'),
};

const streamTicket = openapi.registerComponent('securitySchemes', 'streamTicket', {
  type: 'apiKey',
  in: 'query',
  name: 'ticket',
  description: 'A one-use ticket from POST /stream-tickets (for EventSource, which cannot send headers)',
});

/** `security` for the stream routes: a bearer token or a stream ticket. */
export const streamSecurity = [...secured, { [streamTicket.name]: [] }];
