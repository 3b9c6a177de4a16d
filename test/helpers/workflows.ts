/** Watching a saga from outside, through its history: markers a test can wait for. */
import type { WorkflowHandle } from '@temporalio/client';

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Resolves once the workflow code has run with the cancel request in hand: a workflow task
 * completed after the cancel-requested event. While a local activity runs, the worker holds its
 * workflow task open and hands it in at 80 % of the task timeout (≈ 8 s), so this may take that long.
 */
export async function cancelProcessed(handle: WorkflowHandle, timeoutMs = 40_000): Promise<void> {
  await until(
    `${handle.workflowId} processed its cancel request`,
    async () => {
      const events = (await handle.fetchHistory()).events ?? [];
      const requested = events.findIndex((e) => e.workflowExecutionCancelRequestedEventAttributes);
      return requested >= 0 && events.slice(requested + 1).some((e) => e.workflowTaskCompletedEventAttributes);
    },
    timeoutMs,
  );
}

/** Resolves once `check` holds (polled every 250 ms). */
export const waitUntil = until;

/** The promise's value, or a rejection saying what did not happen within the time. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
