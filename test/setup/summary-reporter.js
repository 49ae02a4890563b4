/**
 * Prints one countable line at the end of a run, `N passed, N failed`, and writes the same
 * counts to .test-data/summary.json for .ci/run (jest's own summary is not a line CI can count).
 */
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const passed = results.numPassedTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    const dir = path.resolve(__dirname, '..', '..', '.test-data');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ passed, failed, skipped, suitesFailed: results.numFailedTestSuites }));
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
module.exports = SummaryReporter;
