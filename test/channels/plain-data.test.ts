import { describe, expect, it } from 'vitest';
import { plainDataProblem } from '../../src/channels/plain-data.js';

describe('plainDataProblem', () => {
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a number', 1.5],
    ['a string', 'x'],
    ['a bigint', 5n],
    ['a Buffer', Buffer.from('x')],
    ['a Uint8Array', new Uint8Array(2)],
    ['a Date', new Date(0)],
    ['nested arrays and objects', { a: [1, { b: [null] }] }],
    ['a null-prototype object', Object.create(null)],
  ])('accepts %s', (_label, value) => {
    expect(plainDataProblem(value)).toBeUndefined();
  });

  it.each([
    ['a Map', new Map(), 'a Map'],
    ['a Set', new Set(), 'a Set'],
    ['an Error', new Error('x'), 'an Error'],
    ['a function', () => 1, 'function'],
    ['a symbol', Symbol('s'), 'symbol'],
    ['an Int16Array', new Int16Array(1), 'typed array'],
    ['a bigint beyond 64 bits', 2n ** 64n, '64-bit'],
  ])('refuses %s', (_label, value, words) => {
    expect(plainDataProblem(value)?.message).toContain(words);
  });

  it('reports where in the value the problem is', () => {
    expect(plainDataProblem({ a: [1, { 'odd key': new Set() }] })?.path).toBe('$.a[1]["odd key"]');
  });

  it('refuses an own __proto__ key', () => {
    const value = JSON.parse('{"__proto__": 1}');
    expect(plainDataProblem(value)?.message).toContain('__proto__');
  });

  it('stops at maxDepth instead of following a cycle', () => {
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(plainDataProblem(cyclic, 10)?.message).toContain('deeper than 10');
  });
});
