import { availableParallelism } from 'node:os';
import { defaultExecutionsAtOnce } from './pipeline-runner';

describe('defaultExecutionsAtOnce', () => {
  it('runs one execution (two image tasks) per two cores, and at least one', () => {
    expect([1, 2, 3, 4, 8].map((cores) => defaultExecutionsAtOnce(cores))).toEqual([1, 1, 1, 2, 4]);
  });

  it("takes this machine's cores when given none", () => {
    expect(defaultExecutionsAtOnce()).toBe(defaultExecutionsAtOnce(availableParallelism()));
  });
});
