'use strict';
const assert = require('assert');
const { BufferJournal, CHUNK_SIZE, indexedChunks, readChunks } = require('../../dist/nodes/lib/journal');
const { Outbox } = require('../../dist/nodes/lib/buffer');

const reading = (seq) => ({ light: seq % 1000, ts: 1000 + seq, seq });

/** A context store as a Map: applies a journal's writes (undefined deletes). */
function store() {
  const data = new Map();
  return {
    data,
    apply(writes) {
      for (const { key, value } of writes) {
        if (value === undefined) data.delete(key);
        else data.set(key, JSON.parse(JSON.stringify(value)));
      }
      return writes;
    },
    /** What light telemetry reads back at a start: the index, then the chunks it names. */
    readBack(capacity) {
      const index = data.get('buf');
      return readChunks(
        indexedChunks(index).map((n) => data.get(`buf-${n}`)),
        capacity,
      );
    },
  };
}

describe('the stored buffer, chunk by chunk (lib/journal)', function () {
  it('stores what the outbox holds as it changes: after any mix of sends, confirmations and drops, reading it back gives the undelivered readings in order', function () {
    const s = store();
    const journal = new BufferJournal('buf');
    const outbox = new Outbox({ policy: 'all', capacity: 700, gapMs: 0, window: 5 });
    outbox.keepIn(journal);
    let seq = 0;
    for (let round = 0; round < 40; round++) {
      if (round % 10 === 3) outbox.linkDown();
      if (round % 10 === 6) outbox.linkUp();
      for (let i = 0; i < 50; i++) outbox.push(reading(++seq));
      for (let t = 0; t < 8; t++)
        for (const o of outbox.take(round * 100 + t)) if (o.telemetry.seq % 3) outbox.confirm(o.key);
      journal.setSeq(seq);
      s.apply(journal.flush());
      assert.deepStrictEqual(s.readBack(10000), outbox.snapshot(), `round ${round}`);
      assert.strictEqual(s.data.get('buf').seq, seq);
    }
    assert.ok(outbox.dropped > 0, 'the bound was reached too');
    // Emptied chunks are deleted: what is stored stays about the size of the buffer.
    assert.ok(s.data.size - 1 <= Math.ceil(700 / CHUNK_SIZE) + 3, `${s.data.size - 1} chunks stored`);
  });

  it('each send costs a few small writes, however long the buffer (no rewrite of the whole buffer)', function () {
    const journal = new BufferJournal('buf');
    const outbox = new Outbox({ policy: 'all', capacity: 100000, gapMs: 0 });
    outbox.keepIn(journal);
    outbox.linkDown();
    for (let seq = 1; seq <= 100000; seq++) outbox.push(reading(seq));
    journal.flush();
    outbox.push(reading(100001));
    journal.setSeq(100001);
    const writes = journal.flush();
    assert.ok(writes.length <= 3, `${writes.length} writes`);
    for (const w of writes) assert.ok(!Array.isArray(w.value) || w.value.length <= CHUNK_SIZE);
  });

  it('a journal after a restart numbers its chunks after the stored ones and deletes those at its first flush', function () {
    const s = store();
    const first = new BufferJournal('buf');
    for (let seq = 1; seq <= 300; seq++) first.append(reading(seq));
    first.setSeq(300);
    s.apply(first.flush());
    assert.deepStrictEqual(s.data.get('buf'), { seq: 300, chunks: [0, 1] });
    const restored = s.readBack(1000);
    assert.strictEqual(restored.length, 300);
    const second = new BufferJournal('buf', 2, indexedChunks(s.data.get('buf')));
    for (const t of restored) second.append(t);
    second.setSeq(300);
    s.apply(second.flush());
    assert.deepStrictEqual([...s.data.keys()].sort(), ['buf', 'buf-2', 'buf-3']);
    assert.deepStrictEqual(s.readBack(1000), restored);
  });

  const damaged = [
    ['nothing stored', undefined, []],
    ['the older whole-buffer form', { seq: 3, readings: [reading(1)] }, []],
    ['a range that is not two numbers', { chunks: [1] }, []],
    ['a negative range', { chunks: [-2, 1] }, []],
    ['a reversed range', { chunks: [5, 1] }, []],
    ['a fractional range', { chunks: [0.5, 2] }, []],
    ['a range of ten million', { chunks: [0, 1e7 - 1] }, 1024],
  ];
  for (const [name, index, expected] of damaged) {
    it(`reads a stored index back, trusting nothing: ${name}`, function () {
      const chunks = indexedChunks(index);
      if (typeof expected === 'number') {
        assert.strictEqual(chunks.length, expected);
        assert.strictEqual(chunks.at(-1), 1e7 - 1, 'the newest chunks are the ones read');
      } else assert.deepStrictEqual(chunks, expected);
    });
  }

  it('reads stored chunks back, trusting nothing: damaged entries and chunks are left out, the newest up to the capacity kept', function () {
    const chunks = [
      [reading(1), null, { light: 'x' }, { light: 5, seq: 3, historical: true }],
      'not a chunk',
      null,
      [reading(4), reading(5)],
    ];
    assert.deepStrictEqual(readChunks(chunks, 100), [reading(1), { light: 5, seq: 3 }, reading(4), reading(5)]);
    assert.deepStrictEqual(readChunks(chunks, 2), [reading(4), reading(5)]);
  });
});
