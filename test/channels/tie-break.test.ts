import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ConnectionDirection,
  preferredDialer,
  resolveDuplicate,
} from '../../src/channels/tie-break.js';
import { nameArb } from './arbitraries.js';

describe('preferredDialer', () => {
  it('picks the name that sorts lower in code-unit order', () => {
    expect(preferredDialer('b', 'a')).toBe('a');
    expect(preferredDialer('a', 'b')).toBe('a');
    // upper case sorts before lower case in code units, unlike in most locales
    expect(preferredDialer('a', 'B')).toBe('B');
  });

  it('is symmetric', () => {
    fc.assert(
      fc.property(nameArb, nameArb, (a, b) => preferredDialer(a, b) === preferredDialer(b, a)),
    );
  });
});

describe('resolveDuplicate', () => {
  it('keeps the existing connection when this node is the lower name and dialled it', () => {
    expect(resolveDuplicate('a', 'b', 'outbound', 'inbound')).toBe('keep_existing');
  });

  it('keeps the incoming connection when the lower-named peer dialled it', () => {
    expect(resolveDuplicate('b', 'a', 'outbound', 'inbound')).toBe('keep_incoming');
  });

  it('lets a newer connection in the same direction replace the older one', () => {
    expect(resolveDuplicate('a', 'b', 'outbound', 'outbound')).toBe('keep_incoming');
    expect(resolveDuplicate('a', 'b', 'inbound', 'inbound')).toBe('keep_incoming');
  });

  it('leaves both nodes with the same single connection of a simultaneous dial', () => {
    fc.assert(
      fc.property(
        nameArb,
        nameArb,
        fc.boolean(),
        fc.boolean(),
        (x, y, xSeesOwnFirst, ySeesOwnFirst) => {
          fc.pre(x !== y);
          // connection dialled by x, and connection dialled by y; each node may see them complete in either order
          const survivor = (self: string, peer: string, ownFirst: boolean): string => {
            const own: ConnectionDirection = 'outbound';
            const theirs: ConnectionDirection = 'inbound';
            const [existing, incoming] = ownFirst ? [own, theirs] : [theirs, own];
            const kept =
              resolveDuplicate(self, peer, existing, incoming) === 'keep_existing'
                ? existing
                : incoming;
            return kept === 'outbound' ? self : peer; // the dialler of the kept connection
          };
          const atX = survivor(x, y, xSeesOwnFirst);
          const atY = survivor(y, x, ySeesOwnFirst);
          expect(atX).toBe(atY);
          expect(atX).toBe(preferredDialer(x, y));
        },
      ),
    );
  });
});
