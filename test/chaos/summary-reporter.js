// Prints the chaos suite's summary table (rows written by the scenarios, see support/summary.ts)
// after jest's own report, and keeps a Markdown copy next to the JSON.
const fs = require('node:fs');
const path = require('node:path');

// the same place as support/summary.ts: .artifacts/<name of the chaos state dir>/ (env.js sets it)
// eslint-disable-next-line no-restricted-properties
const SUMMARY_FILE = path.resolve(__dirname, '../../.artifacts', path.basename(process.env.STACK_STATE_DIR || 'chaos'), 'summary.json');

function table(rows) {
  const header = ['fault', 'sagas', 'in flight at fault', 'terminal', 'completed/cancelled/expired', 'invariant checks', 'duration', 'notes'];
  const body = rows.map((r) => [r.fault, String(r.sagas), String(r.inFlightAtFault), r.terminal, r.outcomes, r.checks, `${r.durationS.toFixed(0)} s`, r.notes]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

class ChaosSummaryReporter {
  onRunComplete() {
    if (!fs.existsSync(SUMMARY_FILE)) return;
    const rows = JSON.parse(fs.readFileSync(SUMMARY_FILE, 'utf8'));
    if (rows.length === 0) return;
    const text = table(rows);
    const failures = rows.flatMap((r) => r.failed.map((f) => `- ${r.fault}: ${f}`));
    fs.writeFileSync(SUMMARY_FILE.replace(/\.json$/, '.md'), `${text}\n${failures.length ? `\nFailed checks:\n${failures.join('\n')}\n` : ''}`);
    process.stdout.write(`\nChaos summary\n${text}\n${failures.length ? `Failed checks:\n${failures.join('\n')}\n` : ''}\n`);
  }
}

module.exports = ChaosSummaryReporter;
