import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeValue, isValidName, nameProblem } from '../../src/channels/names.js';

describe('names', () => {
  it('accepts letters, digits and @ . - _ :', () => {
    expect(nameProblem('Node_1@host-a.example:9000')).toBeUndefined();
  });

  it('bounds the length by the limit given', () => {
    expect(isValidName('abcd', 4)).toBe(true);
    expect(nameProblem('abcde', 4)).toContain('at most 4');
  });

  it('never throws whatever it is given', () => {
    fc.assert(
      fc.property(
        fc.anything({ withBigInt: true, withMap: true, withNullPrototype: true }),
        (value) => {
          const problem = nameProblem(value);
          expect(problem === undefined || typeof problem === 'string').toBe(true);
        },
      ),
    );
  });

  it('describes values briefly without echoing long input', () => {
    expect(describeValue('x'.repeat(1000)).length).toBeLessThan(50);
    expect(describeValue(Buffer.alloc(5))).toBe('5 bytes');
    expect(describeValue(10n)).toBe('10n');
  });
});
