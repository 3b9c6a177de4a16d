/**
 * Determinism guard: the recorded histories in test/histories must replay on today's workflow code.
 * One folder per generation of the saga (queued-activities: before the LOCAL_STEPS patch;
 * local-steps: after it; safe-edges: after the SAFE_EDGES patch; v2-fused-steps: saleWorkflowV2, the second
 * generation, issue #14), each with one history per saga path, so sagas started by an older
 * worker still finish on a newer one. A change that alters the saga's command sequence fails here;
 * it then needs workflow versioning (patched(), or a new workflow type) and a new generation recorded beside the old ones,
 * never a re-recording of an old one. Record with scripts/record-histories.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';

const dir = join(__dirname, '..', 'histories');
const generations = readdirSync(dir).sort();
const files = generations.flatMap((g) => readdirSync(join(dir, g)).filter((f) => f.endsWith('.json')).map((f) => join(g, f)));
const PATHS = ['sale-cancelled.json', 'sale-completed.json', 'sale-expired.json', 'sale-rejected.json'];

test('every generation of the saga has a recorded history for every saga path', () => {
  expect(generations).toEqual(['local-steps', 'queued-activities', 'safe-edges', 'v2-fused-steps']);
  for (const g of generations) expect(readdirSync(join(dir, g)).sort()).toEqual(PATHS);
});

test.each(files)('%s replays deterministically', async (file) => {
  const history: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  await expect(Worker.runReplayHistory({ workflowsPath: require.resolve('../../workflows') }, history, file)).resolves.toBeUndefined();
}, 60_000);
