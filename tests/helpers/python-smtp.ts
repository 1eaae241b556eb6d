// Runs Python's smtplib as a second, independent SMTP client implementation.
import { allIndexed } from './app.ts';
import { spawnSync } from 'node:child_process';

export interface PythonSendOptions {
  port: number;
  mode: 'plain' | 'starttls' | 'ssl';
  from: string;
  to: string[];
  /** Sent exactly as given (must use CRLF line endings). */
  message: Buffer;
  user?: string;
  password?: string;
  /** Ask for SMTPUTF8 in MAIL FROM. */
  smtputf8?: boolean;
}

const SCRIPT = String.raw`
import json, smtplib, ssl, sys
opts = json.loads(sys.argv[1])
msg = sys.stdin.buffer.read()
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
if opts["mode"] == "ssl":
    s = smtplib.SMTP_SSL("127.0.0.1", opts["port"], context=ctx, timeout=30)
else:
    s = smtplib.SMTP("127.0.0.1", opts["port"], timeout=30)
s.ehlo("python-client")
if opts["mode"] == "starttls":
    s.starttls(context=ctx)
    s.ehlo("python-client")
result = {"features": sorted(s.esmtp_features.keys())}
try:
    if opts.get("user"):
        s.login(opts["user"], opts["password"])
    mail_options = ["SMTPUTF8"] if opts.get("smtputf8") else []
    s.sendmail(opts["from"], opts["to"], msg, mail_options=mail_options)
    result["ok"] = True
except smtplib.SMTPException as e:
    result["ok"] = False
    result["code"] = getattr(e, "smtp_code", None)
    result["error"] = str(e)
s.quit()
print(json.dumps(result))
`;

export interface PythonSendResult {
  ok: boolean;
  code?: number;
  error?: string;
  features: string[];
}

export async function sendWithPython(options: PythonSendOptions): Promise<PythonSendResult> {
  const result = await runPython(options);
  await allIndexed();
  return result;
}

function runPython(options: PythonSendOptions): Promise<PythonSendResult> {
  // spawnSync would block the event loop that serves the SMTP session, so run it asynchronously.
  return import('node:child_process').then(
    ({ spawn }) =>
      new Promise((resolve, reject) => {
        const { message, ...rest } = options;
        const child = spawn('python3', ['-c', SCRIPT, JSON.stringify(rest)], { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        child.on('close', (code) => {
          if (code !== 0) return reject(new Error(`python3 smtplib failed (${code}): ${err}`));
          resolve(JSON.parse(out) as PythonSendResult);
        });
        child.stdin.end(message);
      }),
  );
}

export function pythonAvailable(): boolean {
  return spawnSync('python3', ['-c', 'import smtplib, ssl'], { stdio: 'ignore' }).status === 0;
}
