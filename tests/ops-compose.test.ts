// docker-compose.yml is checked by Debian's docker-compose (no Docker engine needed for `config`).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';

test('docker-compose.yml validates and wires spamd in through MAILCOVE_SPAMASSASSIN', () => {
  const run = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], { encoding: 'utf8' });
  if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    assert.fail('docker-compose is missing: apt-get install --no-install-recommends docker-compose');
  }
  assert.equal(run.status, 0, run.stderr);
  const compose = parse(readFileSync('docker-compose.yml', 'utf8'));
  const mailcove = compose.services.mailcove;
  assert.equal(mailcove.environment.MAILCOVE_SPAMASSASSIN, 'spamassassin:783');
  assert.ok(compose.services.spamassassin.image, 'a spamassassin service');
  assert.ok(mailcove.volumes.some((v: string) => v.startsWith('mailcove-data:')), 'data on the named volume');
  assert.ok('mailcove-data' in compose.volumes);
  const dockerfile = readFileSync('Dockerfile', 'utf8');
  assert.match(dockerfile, /^USER node$/m);
  assert.match(dockerfile, /^HEALTHCHECK .*\n.*\/readyz/m);
  // The image runs node with the same flags as `npm start`.
  const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start;
  const flags = /\bnode ((?:--\S+ )*)dist\/mailcove\.mjs/.exec(start)![1]!.trim().split(' ');
  assert.ok(dockerfile.includes(`ENTRYPOINT ${JSON.stringify(['node', ...flags, 'dist/mailcove.mjs'])}`.replaceAll(',', ', ')), `ENTRYPOINT with ${flags.join(' ')}`);
});
