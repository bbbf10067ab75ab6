// asl-validator 4 ships JavaScript only; this is the part of its API the tests use
// (see node_modules/asl-validator/src/validator.ts).
declare module 'asl-validator' {
  interface AslValidationError {
    readonly 'Error code': string;
    readonly Message: string;
    readonly schemaError?: { readonly instancePath: string; readonly schemaPath: string };
  }
  interface AslValidationResult {
    readonly isValid: boolean;
    readonly errors: readonly AslValidationError[];
    readonly errorsText: (separator?: string) => string;
  }
  function aslValidator(
    definition: unknown,
    options?: { readonly checkPaths: boolean; readonly checkArn: boolean },
  ): AslValidationResult;
  export = aslValidator;
}
