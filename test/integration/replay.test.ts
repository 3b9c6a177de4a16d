/**
 * Determinism guard: the recorded histories in test/histories (one per saga path) must replay on
 * today's workflow code. A change that alters the saga's command sequence fails here; it then
 * needs workflow versioning (patched()), not a re-recording. Record with scripts/record-histories.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';

const dir = join(__dirname, '..', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

test('the recorded histories cover every saga path', () => {
  expect(files.sort()).toEqual(['sale-cancelled.json', 'sale-completed.json', 'sale-expired.json', 'sale-rejected.json']);
});

test.each(files)('%s replays deterministically', async (file) => {
  const history: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  await expect(Worker.runReplayHistory({ workflowsPath: require.resolve('../../workflows') }, history, file)).resolves.toBeUndefined();
}, 60_000);
