import { describe, expect, it } from 'vitest';
import { SettleOnce } from '../../src/driver/index.js';

describe('SettleOnce', () => {
  it('lets the first settlement claim the delivery and no later one', () => {
    const once = new SettleOnce(() => true);
    expect(once.open).toBe(true);
    expect(once.claim()).toBe(true);
    expect(once.claim()).toBe(false);
    expect(once.open).toBe(false);
  });

  it('lets no settlement claim once the connection is gone, and asks at each call', () => {
    let alive = true;
    const once = new SettleOnce(() => alive);
    alive = false;
    expect(once.open).toBe(false);
    expect(once.claim()).toBe(false);
    alive = true;
    expect(once.claim()).toBe(true);
  });
});
