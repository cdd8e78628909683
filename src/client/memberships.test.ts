import { describe, expect, it } from 'vitest';
import { Memberships } from './memberships.js';

describe('Memberships', () => {
  it('applies a change once, in either order it is heard, and ignores an older one heard later', () => {
    const m = new Memberships(['c1']);
    expect(m.leave('c1', '20')).toBe(true);
    expect(m.leave('c1', '20')).toBe(false);
    expect(m.join('c1', '30')).toBe(true);
    // the leave at 25 was overtaken by the rejoin at 30
    expect(m.leave('c1', '25')).toBe(false);
    expect(m.has('c1')).toBe(true);
    expect(m.list).toEqual(['c1']);
  });

  it('still syncs a conversation left above what was shown, and not once the refusal says it is over', () => {
    const m = new Memberships(['c1', 'c2']);
    m.leave('c1', '50');
    expect(m.needsSync('c1', '40')).toBe(true);
    expect(m.needsSync('c1', '50')).toBe(false);
    expect(m.needsSync('c2', '0')).toBe(true);
    m.forgetLeft('c1');
    expect(m.needsSync('c1', '40')).toBe(false);
    expect(m.join('c3', '60')).toBe(true);
    expect(m.list).toEqual(['c2', 'c3']);
  });
});
