/**
 * The first admin of a production deployment (which has no users: only demo data inserts any).
 *
 *   npx tsx bin/create-admin.ts --email ana@shop.example --name "Ana López"
 *
 * The password is read from stdin (typed without echo on a terminal, or piped), else from
 * ADMIN_PASSWORD. It must pass the same rule as every password. Run after bin/migrate.ts.
 */
import { parseArgs } from 'node:util';
import { AppError } from '../shared/errors';
import { ConfigError, getConfig } from '../shared/config';
import { createDb } from '../shared/db';
import { passwordProblem } from '../shared/password-rule';
import { preflight } from '../shared/preflight';
import { createUser } from '../api/services/accounts';

const USAGE = 'usage: npx tsx bin/create-admin.ts --email <email> [--name <name>] (password on stdin or in ADMIN_PASSWORD)';

/** A line typed on a terminal, not echoed. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve) => {
    process.stderr.write(question);
    const stdin = process.stdin;
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let typed = '';
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          resolve(typed);
          return;
        }
        if (ch === '\u0003') process.exit(130); // Ctrl-C
        typed = ch === '\u007f' ? typed.slice(0, -1) : typed + ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) return promptHidden('Password for the new admin: ');
  let piped = '';
  for await (const chunk of process.stdin) piped += String(chunk);
  // one line: the first, without its line ending
  const line = piped.split(/\r?\n/)[0] ?? '';
  return line || getConfig().bootstrap.adminPassword || '';
}

async function main(): Promise<string> {
  const { values } = parseArgs({ options: { email: { type: 'string' }, name: { type: 'string', default: 'Administrator' } }, strict: true });
  if (!values.email) throw new ConfigError(`--email is required; ${USAGE}`);
  const email = values.email.trim().toLowerCase();
  const password = await readPassword();
  if (!password) throw new ConfigError(`no password: pipe it on stdin or set ADMIN_PASSWORD; ${USAGE}`);
  const problem = passwordProblem(password, email);
  if (problem) throw new ConfigError(`the password ${problem}`);
  await preflight({ database: true });
  const db = createDb();
  try {
    const admin = await createUser(db, { email, name: values.name, role: 'admin', password });
    return `admin ${admin.email} created (id ${admin.id}); log in with POST /auth/login`;
  } finally {
    await db.destroy();
  }
}

main()
  .then((done) => {
    process.stdout.write(`${done}\n`);
    process.exit(0);
  })
  .catch((err: unknown) => {
    // what a person must fix: one line, no stack trace
    if (err instanceof ConfigError || err instanceof AppError) process.stderr.write(`create-admin: ${err.message}\n`);
    else if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) process.stderr.write(`create-admin: ${err.message}; ${USAGE}\n`);
    else process.stderr.write(`create-admin: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
