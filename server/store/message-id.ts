// Message IDs sort in arrival order as plain strings (the store keeps its list ordered by ID), are URL-safe, and are
// never used as file names.
import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(value: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = ALPHABET[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

let lastMs = 0;
let sequence = 0;
// Random bytes are drawn a block at a time: one call into the CSPRNG per message showed in ingest profiles.
const RANDOM_BLOCK = 9 * 512;
const randomPool = Buffer.alloc(RANDOM_BLOCK);
let randomOffset = RANDOM_BLOCK;

function randomBytes9(): Buffer {
  if (randomOffset >= RANDOM_BLOCK) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  randomOffset += 9;
  return randomPool.subarray(randomOffset - 9, randomOffset);
}

/** 8 chars of time, 3 of sequence within the millisecond, 9 random: 20 chars, increasing within a process. */
export function newMessageId(now = Date.now()): string {
  if (now <= lastMs) {
    sequence += 1;
    if (sequence >= 62 ** 3) {
      lastMs += 1;
      sequence = 0;
    }
  } else {
    lastMs = now;
    sequence = 0;
  }
  const random = randomBytes9();
  let tail = '';
  for (const byte of random) tail += ALPHABET[byte % 62];
  return base62(lastMs, 8) + base62(sequence, 3) + tail;
}

const ID_PATTERN = /^[0-9A-Za-z]{20}$/;

/** True for strings shaped like the IDs newMessageId() makes (whether or not such a message exists). */
export function isMessageId(value: string): boolean {
  return ID_PATTERN.test(value);
}
