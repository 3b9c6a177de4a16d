/**
 * shellQuote: pg_ctl pastes its -o options into a `sh -c` command line, so the socket directory
 * (a path under the clone or STACK_STATE_DIR) must reach PostgreSQL as one word, unchanged (issue #11).
 */
import { spawnSync } from 'node:child_process';
import { commandExists, shellQuote } from '../../stack/proc';

/** What a real `sh -c` makes of `printf '%s\n' <quoted>`: the words it passed on. */
function throughShell(quoted: string): string[] {
  const res = spawnSync('sh', ['-c', `printf '%s\\n' ${quoted}`], { encoding: 'utf8' });
  return res.stdout.split('\n').slice(0, -1);
}

test.each([
  ['a plain path', 'unix_socket_directories=/work/wt/h2/.state/test/postgres'],
  ['a path with spaces', 'unix_socket_directories=/home/ana/My Projects/sales saga/.state'],
  ['quotes and shell syntax', `unix_socket_directories=/tmp/it's "$HOME" \`id\` $(id); rm -rf x`],
  ['a leading dash', '-c max_connections=1'],
])('%s reaches the command as one word, unchanged', (_name, word) => {
  expect(throughShell(shellQuote(word))).toEqual([word]);
  expect(throughShell(`-c ${shellQuote(word)}`)).toEqual(['-c', word]);
});

test('commandExists looks the name up, never runs it as shell text', () => {
  expect(commandExists('sh')).toBe(true);
  expect(commandExists('no-such-command-here')).toBe(false);
  expect(commandExists('sh; exit 0')).toBe(false); // was `command -v sh; exit 0`: true
});
