/**
 * One contender of test/pipeline/lock.test.ts's race between processes: says "ready" once loaded,
 * reads the agreed moment (epoch ms) from stdin, tries the lock once at that moment, prints "won",
 * "busy" (naming the holder) or "busy unnamed", holds a won lock a while, then exits (which lets go of it).
 * Usage: node --import tsx lock-child.ts <lock file> <hold ms>
 */
import { createInterface } from 'node:readline';
import { HeldLock, defaultLockEffects, tryLock } from '../../src/pipeline/lock.js';

const [path, holdMs] = process.argv.slice(2);
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
const [startAt] = await lines[Symbol.asyncIterator]().next().then((r) => [Number(r.value)]);
lines.close();
// Spin rather than sleep, so every contender tries within the same millisecond or two.
while (Date.now() < startAt!);
const got = tryLock({ path: path!, label: 'the race', action: 'race', doing: 'is racing' }, { ...defaultLockEffects, log: () => {} });
// A loser that could not name the holder says so: the lock file was found without a holder in it.
process.stdout.write(got instanceof HeldLock ? 'won\n' : got.holder === null ? 'busy unnamed\n' : 'busy\n');
if (got instanceof HeldLock) await new Promise((r) => setTimeout(r, Number(holdMs)));
