/**
 * What a running local runtime has to undo, in the order it was set up: `disposeAll` walks
 * the list backwards (the last thing started is the first stopped), on `stop()` and when a
 * start fails halfway alike. A part registers its undo as soon as it exists, so nothing is
 * ever undone before it is done, nor left out.
 */
export class Disposables {
  private readonly steps: { readonly name: string; readonly dispose: () => unknown }[] = [];

  /** Registers `dispose` (named for the error report) to run before everything registered earlier. */
  add(name: string, dispose: () => unknown): void {
    this.steps.push({ name, dispose });
  }

  /**
   * Runs every step, last registered first, each after the previous settled; a step that
   * throws does not keep the others from running. Throws the first error once all ran.
   */
  async disposeAll(): Promise<void> {
    const errors: unknown[] = [];
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.dispose();
      } catch (error) {
        errors.push(new Error(`stopping ${step.name} failed`, { cause: error }));
      }
    }
    if (errors.length > 0) throw errors[0];
  }
}
