// Runs Python's poplib as an independent, real POP3 client. A test gives a list of steps (poplib calls) for one
// session; each step's answer comes back as JSON, in order, with a -ERR as { ok: false } so the session carries on.
// One python3 process serves every session of a test file, one session at a time: starting Python (through a pyenv
// shim here) costs far more than a POP3 session.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Socket } from 'node:net';

export type Step =
  | ['stls']
  | ['capa']
  | ['user', string]
  | ['pass', string]
  | ['apop', string, string]
  /** AUTH PLAIN, with the initial response on the command line or after the server's "+ " continuation. */
  | ['auth_plain', string, string, 'initial' | 'continuation']
  | ['stat']
  | ['list'] | ['list', number]
  | ['uidl'] | ['uidl', number]
  | ['retr', number]
  | ['top', number, number]
  | ['dele', number]
  | ['rset']
  | ['noop']
  | ['quit']
  /** Closes the socket without QUIT, as a crashed client would. */
  | ['drop'];

export interface Listing {
  status: string;
  lines: string[];
  octets: number;
  /** RETR and TOP: the message as poplib returned it (dot-stuffing undone), lines joined with CRLF, base64. */
  b64?: string;
}

export type StepResult = { ok: true; value: any; ms: number } | { ok: false; error: string; ms: number };

const SCRIPT = String.raw`
import base64, json, poplib, ssl, sys, time
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE

def plain(v):
    if isinstance(v, bytes):
        return v.decode("latin1")
    if isinstance(v, tuple) and len(v) == 3 and isinstance(v[1], list):
        return {"status": plain(v[0]), "lines": [plain(l) for l in v[1]], "octets": v[2]}
    if isinstance(v, (tuple, list)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v

def message(resp):
    out = plain(resp)
    out["b64"] = base64.b64encode(b"".join(l + b"\r\n" for l in resp[1])).decode()
    return out

def auth_plain(p, name, password, mode):
    token = base64.b64encode(b"\0" + name.encode() + b"\0" + password.encode()).decode()
    if mode == "initial":
        return p._shortcmd("AUTH PLAIN " + token)
    cont = p._shortcmd("AUTH PLAIN")
    if cont != b"+ ":
        raise poplib.error_proto(b"expected a '+ ' continuation, got " + cont)
    return p._shortcmd(token)

def session(opts):
    if opts["ssl"]:
        p = poplib.POP3_SSL("127.0.0.1", opts["port"], context=ctx, timeout=30)
    else:
        p = poplib.POP3("127.0.0.1", opts["port"], timeout=30)
    calls = {
        "stls": lambda: p.stls(ctx), "capa": p.capa, "user": p.user, "pass": p.pass_, "apop": p.apop,
        "auth_plain": lambda *a: auth_plain(p, *a), "stat": p.stat, "list": p.list, "uidl": p.uidl, "dele": p.dele,
        "rset": p.rset, "noop": p.noop, "quit": p.quit, "drop": p.close,
        "retr": lambda n: message(p.retr(n)), "top": lambda n, m: message(p.top(n, m)),
    }
    results = [{"ok": True, "value": plain(p.getwelcome()), "ms": 0}]
    try:
        for step in opts["steps"]:
            started = time.monotonic()
            try:
                value = plain(calls[step[0]](*step[1:]))
                results.append({"ok": True, "value": value, "ms": (time.monotonic() - started) * 1000})
            except poplib.error_proto as e:
                results.append({"ok": False, "error": plain(e.args[0]), "ms": (time.monotonic() - started) * 1000})
    finally:
        p.close()
    return results

# One JSON request per line in, one JSON answer per line out.
for line in sys.stdin:
    try:
        answer = {"results": session(json.loads(line))}
    except Exception as e:
        answer = {"fatal": repr(e)}
    print(json.dumps(answer), flush=True)
`;

interface Request {
  resolve: (results: StepResult[]) => void;
  reject: (err: Error) => void;
}

/** The python3 process; its handles are ref'd only while a session is running, so it never holds a test open. */
class Poplib {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: Request[] = [];
  private output = '';
  private errors = '';

  constructor() {
    this.child = spawn('python3', ['-u', '-c', SCRIPT]);
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (text: string) => this.onOutput(text));
    this.child.stderr.on('data', (d) => (this.errors += d));
    this.child.on('close', (code) => {
      if (shared === this) shared = null;
      for (const request of this.waiting.splice(0)) request.reject(new Error(`python3 poplib exited (${code}): ${this.errors}`));
    });
    this.idle();
  }

  run(request: { port: number; ssl: boolean; steps: Step[] }): Promise<StepResult[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.busy();
      this.child.stdin.write(JSON.stringify(request) + '\n');
    });
  }

  private onOutput(text: string): void {
    this.output += text;
    let nl: number;
    while ((nl = this.output.indexOf('\n')) !== -1) {
      const answer = JSON.parse(this.output.slice(0, nl)) as { results?: StepResult[]; fatal?: string };
      this.output = this.output.slice(nl + 1);
      const request = this.waiting.shift()!;
      if (answer.results) request.resolve(answer.results);
      else request.reject(new Error(`poplib session failed: ${answer.fatal}`));
    }
    if (!this.waiting.length) this.idle();
  }

  private busy(): void {
    this.child.ref();
    (this.child.stdout as unknown as Socket).ref();
  }

  private idle(): void {
    this.child.unref();
    for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr]) (stream as unknown as Socket).unref();
  }
}

let shared: Poplib | null = null;

/** Runs the steps in one session. results[0] is the greeting; results[i] answers steps[i - 1]. */
export function poplib(port: number, steps: Step[], options: { ssl?: boolean } = {}): Promise<StepResult[]> {
  shared ??= new Poplib();
  return shared.run({ port, ssl: options.ssl ?? false, steps });
}

/** The value of a step that must have succeeded. */
export function ok(result: StepResult | undefined): any {
  if (!result?.ok) throw new Error(`expected +OK, got ${result ? result.error : 'no answer'}`);
  return result.value;
}

/** The message bytes of a RETR or TOP result. */
export function messageBytes(result: StepResult | undefined): Buffer {
  return Buffer.from((ok(result) as Listing).b64!, 'base64');
}

export function poplibAvailable(): boolean {
  return spawnSync('python3', ['-c', 'import poplib, ssl'], { stdio: 'ignore' }).status === 0;
}
