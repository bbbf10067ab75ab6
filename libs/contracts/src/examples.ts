import type { AnyContract, DataInputOf, EnvelopeOf } from './contract';
import { createEnvelope } from './envelope';

/** The instant every published example envelope carries. */
export const EXAMPLE_OCCURRED_AT = '2025-06-01T12:00:00.000Z';

/**
 * A stable UUID (version 8, RFC 9562's custom layout) derived from `name`, so published
 * examples and tests never depend on randomness. Two FNV-1a 64-bit hashes give 128 bits.
 */
export function deterministicUuid(name: string): string {
  const hex = fnv1a64(`a:${name}`) + fnv1a64(`b:${name}`);
  const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const parts = [hex.slice(0, 8), hex.slice(8, 12), `8${hex.slice(13, 16)}`, `${variant}${hex.slice(17, 20)}`];
  return [...parts, hex.slice(20, 32)].join('-');
}

function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  }
  return hash.toString(16).padStart(16, '0');
}

/**
 * The named example of a contract as a whole, validated `detail` with deterministic ids:
 * `eventId` from the contract and example name, `correlationId` `example-<name>`,
 * `occurredAt` {@link EXAMPLE_OCCURRED_AT}. This is what gets published under
 * `examples/<Event>.v<N>/<name>.json`.
 *
 * @throws {Error} when the contract has no such example; `ContractError` when it does not parse.
 */
export function exampleEnvelope<C extends AnyContract>(contract: C, name: string): EnvelopeOf<C> {
  const data = contract.examples[name];
  if (data === undefined) throw new Error(`${contract.id} has no example named ${name}`);
  return createEnvelope(contract, data as DataInputOf<C>, {
    eventId: deterministicUuid(`${contract.id}/${name}`),
    correlationId: `example-${name}`,
    occurredAt: EXAMPLE_OCCURRED_AT,
  });
}
