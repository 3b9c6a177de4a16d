/** A pino logger whose JSON lines the test can read back (to assert what operators would see). */
import pino, { type Logger } from 'pino';

export interface CapturedLogs {
  logger: Logger;
  lines: Record<string, unknown>[];
}

export function captureLogs(level: pino.Level = 'debug'): CapturedLogs {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level, base: { service: 'sales-saga' } },
    {
      write(chunk: string) {
        lines.push(JSON.parse(chunk) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines };
}
