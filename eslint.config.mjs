import nx from '@nx/eslint-plugin';

const cdk = ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdk-nag'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/out', '**/cdk.out', '**/.imgpipe', '**/coverage', '**/node_modules'],
  },
  {
    files: ['**/*.ts', '**/*.js', '**/*.cjs', '**/*.mjs'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          // Libraries are consumed as sources (npm workspaces), never built on their own.
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // Apps never import apps; they stand on libs only. No CDK in runtime code.
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'], bannedExternalImports: cdk },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'], bannedExternalImports: cdk },
            // The local runtime and the CLI wire the apps' own handlers together.
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:app', 'type:tool'], bannedExternalImports: cdk },
            // infra assembles every stack. A service's construct and stack (type:service-infra) stand
            // on infra-shared and libs only, never on another service or infra; infra-shared on libs.
            // (That neither imports libs/workflow is checked by infra/src/affected.spec.ts.)
            { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:lib', 'type:infra-shared', 'type:service-infra'] },
            { sourceTag: 'type:service-infra', onlyDependOnLibsWithTags: ['type:lib', 'type:infra-shared'] },
            { sourceTag: 'type:infra-shared', onlyDependOnLibsWithTags: ['type:lib'] },
            // sharp lives in libs/image-ops and nowhere else.
            { sourceTag: 'scope:shared', bannedExternalImports: ['sharp'] },
            { sourceTag: 'scope:ingest', bannedExternalImports: ['sharp'] },
            { sourceTag: 'scope:compress', bannedExternalImports: ['sharp'] },
            { sourceTag: 'scope:thumbnail', bannedExternalImports: ['sharp'] },
            { sourceTag: 'scope:metadata', bannedExternalImports: ['sharp'] },
            { sourceTag: 'scope:notify', bannedExternalImports: ['sharp'] },
            { sourceTag: 'scope:web', bannedExternalImports: ['sharp'] },
            { sourceTag: 'scope:tools', bannedExternalImports: ['sharp'] },
            { sourceTag: 'scope:infra', bannedExternalImports: ['sharp'] },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tool configuration files, not project code: they may require the shared preset.
    files: ['**/*.cjs', '**/jest.preset.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off', '@nx/enforce-module-boundaries': 'off' },
  },
];
