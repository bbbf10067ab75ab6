import { z } from 'zod';
import { ManualClock } from './ports/manual-clock';
import { newId, UuidV7Generator, uuidV7Time } from './ids';

describe('UuidV7Generator', () => {
  it('makes RFC 9562 version 7 UUIDs that carry their time', () => {
    const clock = new ManualClock('2025-06-01T12:00:00.000Z');
    const id = new UuidV7Generator(clock).next();

    expect(z.uuid().safeParse(id).success).toBe(true);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidV7Time(id)).toBe(Date.parse('2025-06-01T12:00:00.000Z'));
  });

  it('keeps 10 000 ids made in the same millisecond strictly increasing and unique', () => {
    const generator = new UuidV7Generator(new ManualClock('2025-06-01T12:00:00.000Z'));

    const ids = Array.from({ length: 10_000 }, () => generator.next());

    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i += 1) expect((ids[i] ?? '') > (ids[i - 1] ?? '')).toBe(true);
  });

  it('stays increasing when the clock steps back', () => {
    const clock = new ManualClock('2025-06-01T12:00:00.000Z');
    const generator = new UuidV7Generator(clock);
    const first = generator.next();

    clock.advance(-5000);
    const second = generator.next();

    expect(second > first).toBe(true);
  });

  it('orders ids by time as plain strings', () => {
    const clock = new ManualClock('2025-06-01T12:00:00.000Z');
    const generator = new UuidV7Generator(clock);
    const ids: string[] = [];
    for (let i = 0; i < 50; i += 1) {
      ids.push(generator.next());
      clock.advance(Math.floor(Math.random() * 3));
    }

    expect([...ids].sort()).toEqual(ids);
    expect(newId()).not.toBe(newId());
  });
});
