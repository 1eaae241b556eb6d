// Configuration: flags, MAILCOVE_* variables, defaults, and one clear line for every bad value.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, envName, helpText, loadConfig } from '../server/config.ts';
import { tempDir } from './helpers/app.ts';

test('defaults bind to 127.0.0.1 on 1025, 8025 and 1110 with data in ./data', () => {
  const c = loadConfig([], {});
  assert.deepEqual(c.smtp, { host: '127.0.0.1', port: 1025 });
  assert.deepEqual(c.http, { host: '127.0.0.1', port: 8025 });
  assert.deepEqual(c.pop3, { host: '127.0.0.1', port: 1110 });
  assert.equal(c.dataDir, join(process.cwd(), 'data'));
  assert.equal(c.maxMessages, 10000);
  assert.equal(c.maxAgeMs, null);
  assert.equal(c.maxMessageSize, 50 * 1024 * 1024);
  assert.equal(c.smtpUsers, null);
  assert.equal(c.smtpRequireTls, false);
  assert.deepEqual([c.pop3RequireTls, c.pop3Keep, c.pop3MaxConnections], [false, false, 1000]);
});

test('every flag has a MAILCOVE_* variable; flags win over the environment', () => {
  const env = {
    MAILCOVE_SMTP: '0.0.0.0:2525',
    MAILCOVE_HTTP: '[::1]:9000',
    MAILCOVE_MAX_MESSAGES: '0',
    MAILCOVE_MAX_AGE: '36h',
    MAILCOVE_MAX_MESSAGE_SIZE: '512KB',
    MAILCOVE_SMTP_REQUIRE_TLS: 'true',
    MAILCOVE_LABEL: 'staging',
    MAILCOVE_POP3_KEEP: 'yes',
    MAILCOVE_POP3_MAX_CONNECTIONS: '50',
  };
  const c = loadConfig([], env);
  assert.deepEqual(c.smtp, { host: '0.0.0.0', port: 2525 });
  assert.deepEqual(c.http, { host: '::1', port: 9000 });
  assert.equal(c.maxMessages, 0);
  assert.equal(c.maxAgeMs, 36 * 3600 * 1000);
  assert.equal(c.maxMessageSize, 512 * 1024);
  assert.equal(c.smtpRequireTls, true);
  assert.equal(c.label, 'staging');
  assert.equal(c.pop3Keep, true);
  assert.equal(c.pop3MaxConnections, 50);
  assert.deepEqual(loadConfig(['--smtp', '127.0.0.1:3025'], env).smtp, { host: '127.0.0.1', port: 3025 });
  assert.equal(envName('smtp-tls-cert'), 'MAILCOVE_SMTP_TLS_CERT');
});

test('sizes and durations take their documented units', () => {
  assert.equal(loadConfig(['--max-message-size', '100B'], {}).maxMessageSize, 100);
  assert.equal(loadConfig(['--max-message-size', '2mb'], {}).maxMessageSize, 2 * 1024 * 1024);
  assert.equal(loadConfig(['--max-age', '7d'], {}).maxAgeMs, 7 * 86400 * 1000);
  assert.equal(loadConfig(['--max-age', '90m'], {}).maxAgeMs, 90 * 60 * 1000);
});

test('bad values throw a single-line ConfigError naming the flag', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--smtp', 'localhost'], /--smtp: expected HOST:PORT/],
    [['--http', '127.0.0.1:99999'], /--http: expected HOST:PORT/],
    [['--max-messages=-5'], /--max-messages: expected a whole number/],
    [['--max-messages', 'ten'], /--max-messages: expected a whole number/],
    [['--pop3-max-connections', 'many'], /--pop3-max-connections: expected a whole number/],
    [['--max-age', '7 weeks'], /--max-age: expected a duration/],
    [['--max-message-size', '10GB'], /--max-message-size: expected a size/],
    [['--smtp-auth-file', '/nonexistent/users'], /--smtp-auth-file: cannot read/],
    [['--smtp-tls-cert', '/nonexistent.pem', '--smtp-tls-key', '/nonexistent.key'], /--smtp-tls-cert: cannot read/],
    [['--no-such-flag'], /Unknown option '--no-such-flag'/],
  ];
  for (const [argv, message] of cases) {
    assert.throws(() => loadConfig(argv, {}), (err: Error) => err instanceof ConfigError && message.test(err.message) && !err.message.includes('\n'), argv.join(' '));
  }
  assert.throws(() => loadConfig([], { MAILCOVE_MAX_MESSAGES: 'lots' }), /MAILCOVE_MAX_MESSAGES: expected a whole number/);
});

test('an auth file must hold name:password lines', () => {
  const dir = tempDir();
  const bad = join(dir, 'bad');
  writeFileSync(bad, 'alice:ok\njust-a-name\n');
  assert.throws(() => loadConfig(['--smtp-auth-file', bad], {}), /line 2 .* is not name:password/);
  const good = join(dir, 'good');
  writeFileSync(good, 'alice:pw\n\n# comment\nbob:p:w\n');
  assert.deepEqual([...loadConfig(['--smtp-auth-file', good], {}).smtpUsers!], [['alice', 'pw'], ['bob', 'p:w']]);
  const certOnly = join(dir, 'cert.pem');
  writeFileSync(certOnly, 'x');
  assert.throws(() => loadConfig(['--smtp-tls-cert', certOnly], {}), /must be given together/);
});

test('help lists every flag with its variable', () => {
  const help = helpText();
  for (const flag of ['--smtp', '--http', '--pop3', '--data', '--max-messages', '--max-age', '--max-message-size', '--smtp-auth-file', '--smtp-tls-cert', '--smtp-tls-key', '--smtp-require-tls', '--pop3-require-tls', '--pop3-keep', '--pop3-max-connections', '--label']) {
    assert.ok(help.includes(flag + ' ') || help.includes(flag + '\n'), `help lacks ${flag}`);
    assert.ok(help.includes(envName(flag.slice(2))), `help lacks ${envName(flag.slice(2))}`);
  }
});

test('npm start -- --help prints the flags, and a bad value stops start-up with one line', () => {
  const help = spawnSync('npm', ['start', '--silent', '--', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /--max-message-size SIZE/);
  const bad = spawnSync('npm', ['start', '--silent', '--', '--smtp', 'nonsense'], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  const lines = bad.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('npm warn'));
  assert.deepEqual(lines, ['mailcove: --smtp: expected HOST:PORT (e.g. 127.0.0.1:1025), got "nonsense"']);
});

test('quality-check flags: --spamassassin, --allow-internal-http-requests, --dns-overrides (read and validated at start-up)', () => {
  const defaults = loadConfig([], {});
  assert.equal(defaults.spamassassin, null);
  assert.equal(defaults.allowInternalHttpRequests, false);
  assert.equal(defaults.dnsOverrides, null);
  const dir = tempDir();
  const zone = join(dir, 'dns.json');
  writeFileSync(zone, JSON.stringify({ 'sel._domainkey.example.com': { TXT: ['v=DKIM1; p=abc'] } }));
  const c = loadConfig(['--spamassassin', '127.0.0.1:783', '--allow-internal-http-requests', '--dns-overrides', zone], {});
  assert.deepEqual(c.spamassassin, { host: '127.0.0.1', port: 783 });
  assert.equal(c.allowInternalHttpRequests, true);
  assert.deepEqual(c.dnsOverrides?.get('sel._domainkey.example.com'), { TXT: [['v=DKIM1; p=abc']] });
  const env = loadConfig([], { MAILCOVE_SPAMASSASSIN: 'spamd:783', MAILCOVE_ALLOW_INTERNAL_HTTP_REQUESTS: 'true', MAILCOVE_DNS_OVERRIDES: zone });
  assert.deepEqual([env.spamassassin, env.allowInternalHttpRequests, env.dnsOverrides?.size], [{ host: 'spamd', port: 783 }, true, 1]);

  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{"example.com": {"A": ["not-an-ip"]}}');
  const cases: Array<[string[], RegExp]> = [
    [['--spamassassin', 'spamd'], /--spamassassin: expected HOST:PORT/],
    [['--dns-overrides', join(dir, 'missing.json')], /--dns-overrides: cannot read ".*missing\.json": ENOENT/],
    [['--dns-overrides', broken], /--dns-overrides: ".*broken\.json": "example\.com" A: "not-an-ip" is not an IPv4 address/],
  ];
  for (const [argv, message] of cases) {
    assert.throws(() => loadConfig(argv, {}), (err: Error) => err instanceof ConfigError && message.test(err.message) && !err.message.includes('\n'), argv.join(' '));
  }
  const help = helpText();
  for (const flag of ['--spamassassin HOST:PORT', '--allow-internal-http-requests', '--dns-overrides FILE']) assert.ok(help.includes(flag), `help lacks ${flag}`);
});

test('--webhook-url is repeatable (the variable takes a comma- or space-separated list) and carries an inbox filter', () => {
  assert.deepEqual(loadConfig([], {}).webhooks, []);
  const c = loadConfig(['--webhook-url', 'https://a.example/hook?token=t#inbox=Sales', '--webhook-url', 'http://b.example:8080/x', '--webhook-secret', 's'], {});
  assert.deepEqual(c.webhooks, [
    { url: 'https://a.example/hook?token=t', inbox: 'Sales', label: 'https://a.example/hook#inbox=Sales' },
    { url: 'http://b.example:8080/x', inbox: null, label: 'http://b.example:8080/x' },
  ]);
  assert.equal(c.webhookSecret, 's');
  const env = loadConfig([], { MAILCOVE_WEBHOOK_URL: 'http://a.example/1, http://b.example/2 http://c.example/3', MAILCOVE_WEBHOOK_SECRET: 'k' });
  assert.deepEqual([env.webhooks.map((w) => w.url), env.webhookSecret], [['http://a.example/1', 'http://b.example/2', 'http://c.example/3'], 'k']);
  // A flag wins over the variable, as for every other flag.
  assert.deepEqual(loadConfig(['--webhook-url', 'http://flag.example/'], { MAILCOVE_WEBHOOK_URL: 'http://env.example/' }).webhooks.map((w) => w.url), ['http://flag.example/']);
  for (const [argv, message] of [
    [['--webhook-url', 'ftp://a.example/'], /--webhook-url: expected an http\(s\) URL, got "ftp:\/\/a\.example\/"/],
    [['--webhook-url', 'http://a.example/#other=1'], /--webhook-url: the only fragment understood is #inbox=NAME/],
  ] as Array<[string[], RegExp]>) {
    assert.throws(() => loadConfig(argv, {}), (err: Error) => err instanceof ConfigError && message.test(err.message), argv.join(' '));
  }
  assert.throws(() => loadConfig([], { MAILCOVE_WEBHOOK_URL: 'nonsense' }), /MAILCOVE_WEBHOOK_URL: expected an http\(s\) URL/);
});
