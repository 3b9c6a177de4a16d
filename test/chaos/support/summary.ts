/**
 * The chaos suite's summary: each scenario appends its row to a JSON file, and the suite's
 * reporter (test/chaos/summary-reporter.js) prints them as one table at the end of the run.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { stateDir } from '../../../stack/paths';
import { repoRoot } from './apps';

/** .artifacts/<name of the state dir>/: .artifacts/chaos for the suite's default stack */
export function chaosArtifactsDir(): string {
  return join(repoRoot, '.artifacts', basename(stateDir()));
}

const summaryFile = () => join(chaosArtifactsDir(), 'summary.json');

export interface SummaryRow {
  fault: string;
  sagas: number;
  inFlightAtFault: number;
  terminal: string;
  /** completed / cancelled on request / expired */
  outcomes: string;
  checks: string;
  durationS: number;
  notes: string;
  failed: string[];
}

export function appendSummary(row: SummaryRow): void {
  const file = summaryFile();
  mkdirSync(dirname(file), { recursive: true });
  const rows: SummaryRow[] = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SummaryRow[]) : [];
  rows.push(row);
  writeFileSync(file, `${JSON.stringify(rows, null, 2)}\n`);
}

export function resetSummary(): void {
  mkdirSync(chaosArtifactsDir(), { recursive: true });
  writeFileSync(summaryFile(), '[]\n');
}
