/**
 * The local mail server: MailDev (npm), an SMTP server that keeps every message it receives and
 * shows it in a web UI, with an HTTP API the tests read back. Installed once into the cache from
 * infra/maildev's lockfile (`npm ci`), so it is never an app dependency; both ports on 127.0.0.1.
 *
 * Why MailDev and not Mailpit: `go install github.com/axllent/mailpit` builds a binary whose web UI
 * is blank (the module ships no built UI assets), while MailDev's UI works from the npm package.
 * Its UI answers at `/` to a browser (it serves the page to `Accept: text/html`; curl's `*\/*`
 * gets 404); `/index.html` loads but stays at "Loading…", so `/` is the address we print.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getConfig } from '../shared/config';
import { cacheDir, repoRoot, stateFile } from './paths';
import { readPid, run, say, startServerDaemon, stopDaemon } from './proc';

const INFRA = join(repoRoot, 'infra', 'maildev');

export function maildevVersion(): string {
  const pkg = JSON.parse(readFileSync(join(INFRA, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const version = pkg.dependencies.maildev;
  if (!version) throw new Error(`${INFRA}/package.json does not pin maildev`);
  return version;
}

/** MailDev's entry script, installing it into the cache on first use. */
export function maildevScript(): string {
  const dir = join(cacheDir(), `maildev-${maildevVersion()}`);
  const script = join(dir, 'node_modules', 'maildev', 'dist', 'bin', 'maildev.js');
  const marker = join(dir, '.complete');
  if (existsSync(marker) && existsSync(script)) return script;
  mkdirSync(dir, { recursive: true });
  for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(INFRA, file), join(dir, file));
  say(`installing MailDev ${maildevVersion()} from npm into ${dir} (once; about a minute)…`);
  run('npm', ['ci', '--no-audit', '--no-fund', '--omit=dev', '--loglevel=error'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  if (!existsSync(script)) throw new Error(`npm installed no MailDev entry script at ${script}`);
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  return script;
}

function files() {
  const dir = stateFile('mail');
  return { dir, messages: join(dir, 'messages'), log: join(dir, 'maildev.log'), pid: join(dir, 'maildev.pid') };
}

export function mailServerArgs(script: string): string[] {
  const { mail } = getConfig();
  return [
    script,
    '--ip', '127.0.0.1',
    '--web-ip', '127.0.0.1',
    '--smtp', String(mail.localSmtpPort),
    '--web', String(mail.localUiPort),
    // kept on disk in .state/, so the mail a person has not read yet survives a restart
    '--mail-directory', files().messages,
  ];
}

export function mailServerRunning(): boolean {
  return readPid(files().pid) !== undefined;
}

export async function startMailServer(): Promise<void> {
  const script = maildevScript();
  if (mailServerRunning()) return;
  const { mail } = getConfig();
  const f = files();
  await startServerDaemon(process.execPath, mailServerArgs(script), {
    dir: f.messages,
    logFile: f.log,
    pidFile: f.pid,
    announce: `starting MailDev: SMTP on 127.0.0.1:${mail.localSmtpPort}, web UI ${mail.uiUrl}/`,
    ports: [
      { port: mail.localSmtpPort, what: 'MailDev (SMTP)', timeoutMs: 60_000, mustBeFree: { what: 'the mail server (SMTP)', setting: 'LOCAL_SMTP_PORT, or SMTP_URL to use another server' } },
      { port: mail.localUiPort, what: 'MailDev (web UI)', timeoutMs: 60_000, mustBeFree: { what: 'the mail server (web UI)', setting: 'LOCAL_SMTP_UI_PORT' } },
    ],
  });
}

export async function stopMailServer(): Promise<boolean> {
  return stopDaemon(files().pid, 10_000);
}

export function mailServerStatus(): string {
  const { mail } = getConfig();
  return mailServerRunning() ? `running: SMTP 127.0.0.1:${mail.localSmtpPort}, web UI ${mail.uiUrl}/ (log ${files().log})` : 'stopped';
}
