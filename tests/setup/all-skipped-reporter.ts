/**
 * A vitest reporter that names every test file whose tests were all skipped (a tool missing, a
 * service that did not start): a warning on a developer's machine, a failed run with
 * DATAOPS_REQUIRE_TOOLS=1 (CI), where nothing may pass by not running.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class AllSkippedReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const idle = testModules.filter((m) => {
      const tests = [...m.children.allTests()];
      return tests.length > 0 && tests.every((t) => t.result().state === 'skipped');
    });
    if (idle.length === 0) return;
    const required = process.env.DATAOPS_REQUIRE_TOOLS === '1';
    const names = idle.map((m) => `  ${m.relativeModuleId}`).join('\n');
    process.stderr.write(`\n${required ? 'ERROR' : 'WARNING'}: ${idle.length} test file(s) ran no test, every test skipped:\n${names}\n`);
    if (required) process.exitCode = 1;
  }
}
