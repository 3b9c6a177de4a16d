// Prints jest's result as the plain closing line CI reads: "N passed, N failed" (", N skipped" if any).
// A run that executed no test, or whose JSON is missing, fails.
const fs = require('node:fs');

const file = process.argv[2];
if (!file || !fs.existsSync(file)) {
  console.log('0 passed, 1 failed');
  console.error(`no jest result at ${file}: jest did not finish`);
  process.exit(1);
}
const result = JSON.parse(fs.readFileSync(file, 'utf8'));
// a file that fails to load (syntax error, failing beforeAll) has no test results but is a failure
const brokenFiles = result.testResults.filter((r) => r.status === 'failed' && r.assertionResults.length === 0).length;
const failed = result.numFailedTests + brokenFiles;
const skipped = result.numPendingTests + result.numTodoTests;
console.log(`${result.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || result.numPassedTests === 0 ? 1 : 0);
