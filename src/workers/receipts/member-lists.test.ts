import { describe, expect, it } from 'vitest';
import { MemberLists, receiptRecipients, type MemberList } from './member-lists.js';

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const list = (...members: string[]): MemberList => ({ members, spans: new Map() });

describe('MemberLists', () => {
  it('keeps a list until a member change of its conversation drops it', async () => {
    let loads = 0;
    const lists = new MemberLists(async () => (loads++, list('a', 'b', 'c')));
    lists.resumed();
    await lists.get('g');
    await lists.get('g');
    expect(loads).toBe(1);
    lists.changed('g');
    await lists.get('g');
    expect(loads).toBe(2);
  });

  it('a list whose load was in flight when a change came is used once, not kept', async () => {
    const first = deferred<MemberList>();
    const answers = [first.promise, Promise.resolve(list('a', 'b'))];
    const lists = new MemberLists(() => answers.shift()!);
    lists.resumed();
    const pending = lists.get('g');
    lists.changed('g'); // c removed while the old list was on its way
    first.resolve(list('a', 'b', 'c'));
    expect((await pending)!.members).toEqual(['a', 'b', 'c']);
    expect((await lists.get('g'))!.members).toEqual(['a', 'b']);
  });

  it('keeps nothing while the subscriber is away, and forgets everything when it is back', async () => {
    let loads = 0;
    const lists = new MemberLists(async () => (loads++, list('a')));
    lists.resumed();
    await lists.get('g');
    lists.lost();
    await lists.get('g');
    await lists.get('g');
    expect(loads).toBe(3);
    lists.resumed();
    await lists.get('g');
    await lists.get('g');
    expect(loads).toBe(4);
  });
});

describe('receiptRecipients', () => {
  it('the others, each only for a message in their spans', () => {
    const l: MemberList = {
      members: ['reader', 'founder', 'later', 'back'],
      spans: new Map([
        ['later', [{ join: '500', leave: null }]],
        ['back', [{ join: '0', leave: '100' }, { join: '300', leave: null }]],
      ]),
    };
    expect(receiptRecipients(l, 'reader', '200')).toEqual(['founder']);
    expect(receiptRecipients(l, 'reader', '50')).toEqual(['founder', 'back']);
    expect(receiptRecipients(l, 'reader', '600')).toEqual(['founder', 'later', 'back']);
  });
});
