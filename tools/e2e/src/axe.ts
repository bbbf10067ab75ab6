import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

/** axe-core's browser build, read once (a devDependency of the workspace). */
let axeSource: string | undefined;
function source(): string {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  return axeSource;
}

/** One violation as a test failure shows it: the rule, its impact, and the elements at fault. */
export interface AxeFinding {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: readonly string[];
}

interface AxeGlobal {
  axe?: {
    run(context: unknown, options: unknown): Promise<{
      violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
    }>;
  };
  document: unknown;
}

/**
 * axe-core's violations on the page as it is now (its default rules: WCAG 2.x A and AA, best practices).
 * The source goes in through Playwright's evaluate, which the page's Content-Security-Policy
 * does not govern (a `<script>` tag would be refused by it, as it should be), so the UI is
 * checked under its real CSP.
 *
 * @example expect(await axeViolations(page)).toEqual([]);
 */
export async function axeViolations(page: Page): Promise<AxeFinding[]> {
  const loaded = await page.evaluate(() => typeof (globalThis as unknown as AxeGlobal).axe !== 'undefined');
  if (!loaded) await page.evaluate(source());
  return page.evaluate(async () => {
    const global = globalThis as unknown as AxeGlobal;
    if (!global.axe) throw new Error('axe-core did not load');
    // axe's default rule set: WCAG 2.x A and AA and its best practices (experimental rules off).
    const result = await global.axe.run(global.document, { resultTypes: ['violations'] });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.map((node) => JSON.stringify(node.target)),
    }));
  });
}
