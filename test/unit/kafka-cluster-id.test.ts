/** The KRaft cluster id and kafka-storage's command line: no id may be read as an option (issue #11). */
import { newClusterId, storageFormatArgs } from '../../stack/kafka';

/** 16 bytes whose base64url starts with '-' (62 = '-' in the base64url alphabet, so a first byte 0xF8–0xFB) */
const dashBytes = (): Buffer => Buffer.from([0xf8, ...Array.from({ length: 15 }, (_, i) => i * 17)]);

test("the bytes used below really encode to an id starting with '-'", () => {
  expect(dashBytes().toString('base64url')).toMatch(/^-[A-Za-z0-9_-]{21}$/);
});

test("an id that would start with '-' is rolled again, like Kafka's own Uuid.randomUuid", () => {
  const rolls = [dashBytes(), dashBytes(), Buffer.alloc(16, 7)];
  const id = newClusterId(() => rolls.shift()!);
  expect(id).toBe(Buffer.alloc(16, 7).toString('base64url'));
  expect(rolls).toHaveLength(0);
});

test('real ids: 22 base64url characters, none starting with a dash', () => {
  const ids = Array.from({ length: 5_000 }, () => newClusterId());
  expect(ids.filter((id) => !/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/.test(id))).toEqual([]);
});

test.each([
  ['a dash-led id', dashBytes().toString('base64url')],
  ['an id that looks like a long option', '--config-AbCdEfGhIjKlM'],
  ['an ordinary id', 'MkU3OEVBNTcwNTJENDM2Qk'],
])('%s stays joined to its option on the storage tool command line', (_name, clusterId) => {
  const args = storageFormatArgs(clusterId, '/state/kafka/server.properties');
  expect(args).toEqual(['format', `--cluster-id=${clusterId}`, '--config=/state/kafka/server.properties']);
  // no argument but the subcommand stands alone, so none can be taken for an option's missing value
  expect(args.slice(1).every((a) => /^--[a-z-]+=/.test(a))).toBe(true);
});
