/**
 * Re-renders bench/results/latest.md from latest.json (or the JSON file given), e.g. after the
 * report's layout changed: `npx tsx bench/render.ts [report.json]`. Measures nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { markdown, type Report } from './lib/report';

const results = resolve(__dirname, 'results');
const source = process.argv[2] ? resolve(process.argv[2]) : join(results, 'latest.json');
const report = JSON.parse(readFileSync(source, 'utf8')) as Report;
writeFileSync(join(results, 'latest.md'), markdown(report));
process.stdout.write(`rendered ${source} → bench/results/latest.md\n`);
