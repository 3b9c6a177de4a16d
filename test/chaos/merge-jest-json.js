// Merges jest --json result files into one (counts added, test results concatenated), so
// scripts/jest-summary.js prints one "N passed, N failed" line for the main and the chaos suites.
// A missing input counts as a suite that did not finish: one failed test result is recorded for it.
// usage: node test/chaos/merge-jest-json.js out.json in1.json [in2.json …]
const fs = require('node:fs');

const [out, ...inputs] = process.argv.slice(2);
const merged = { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0, numTotalTests: 0, success: true, testResults: [] };
for (const file of inputs) {
  if (!fs.existsSync(file)) {
    merged.success = false;
    merged.testResults.push({ name: file, status: 'failed', message: `${file} missing: that jest run did not finish`, assertionResults: [] });
    continue;
  }
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const k of ['numPassedTests', 'numFailedTests', 'numPendingTests', 'numTodoTests', 'numTotalTests']) merged[k] += r[k] ?? 0;
  merged.success = merged.success && Boolean(r.success);
  merged.testResults.push(...(r.testResults ?? []));
}
fs.writeFileSync(out, JSON.stringify(merged));
