/**
 * kafka-storage itself, from the cached jars, formats a KRaft log directory with a cluster id that
 * starts with '-' (one fresh stack in 64 drew such an id and failed to start, issue #11).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatStorage, kafkaLibs } from '../../stack/kafka';
import { run } from '../../stack/proc';

const DASH_ID = '-AbCdEfGhIjKlMnOpQrStUw';
let dir: string;

function props(name: string): string {
  const file = join(dir, `${name}.properties`);
  writeFileSync(
    file,
    ['process.roles=broker,controller', 'node.id=1', 'controller.quorum.voters=1@127.0.0.1:9', 'listeners=PLAINTEXT://127.0.0.1:8,CONTROLLER://127.0.0.1:9',
      'controller.listener.names=CONTROLLER', `log.dirs=${join(dir, name)}`, ''].join('\n'),
  );
  return file;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kafka-format-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

test("the id is one the tool misreads when it stands apart from its option (what the stack did)", () => {
  expect(() => run('java', ['-cp', `${kafkaLibs()}/*`, 'kafka.tools.StorageTool', 'format', '-t', DASH_ID, '-c', props('apart')])).toThrow(
    /argument --cluster-id\/-t: expected one argument/,
  );
}, 60_000);

test("formatStorage formats a log directory with a cluster id starting with '-'", () => {
  formatStorage(kafkaLibs(), props('joined'), DASH_ID);
  expect(readFileSync(join(dir, 'joined', 'meta.properties'), 'utf8')).toContain(`cluster.id=${DASH_ID}`);
}, 60_000);
