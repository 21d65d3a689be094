import type { StandardSchemaV1 } from '@polyqueue/core';

/** The payload `namedSchema` accepts. */
export interface Named {
  readonly name: string;
}

/**
 * A minimal Standard Schema, written by hand: the contract is about any Standard Schema, and the
 * suite must not make adapters depend on zod or valibot just to run it.
 */
export const namedSchema: StandardSchemaV1<unknown, Named> = {
  '~standard': {
    version: 1,
    vendor: 'polyqueue-conformance',
    validate(value) {
      if (
        typeof value === 'object' &&
        value !== null &&
        typeof (value as { name?: unknown }).name === 'string'
      ) {
        return { value: value as Named };
      }
      return { issues: [{ message: 'name must be a string', path: ['name'] }] };
    },
  },
};
