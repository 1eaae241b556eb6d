// Fault injection for the SMTP listener, so teams can test their app's retry and error paths. Two sources:
// Mailpit's random triggers (GET/PUT /api/v1/chaos) and deterministic rules (--chaos-rules, /api/v1/chaos/rules).

export type ChaosStage = 'connect' | 'mail' | 'rcpt' | 'data';
/** Where a fault can strike: the rule stages, plus AUTH for Mailpit's Authentication trigger. */
export type SmtpStage = ChaosStage | 'auth';

export interface ChaosRule {
  stage: ChaosStage;
  /** Regex (case-insensitive) on the client address at connect, the address at mail/rcpt, the Subject at data. */
  match?: string;
  /** "451 4.7.1 Try again later": the reply given instead of the normal one. */
  reply?: string;
  /** Fail only the first K matching attempts, then let them through. */
  times?: number;
  /** Hold the reply this long. */
  delayMs?: number;
  /** Close the connection: right after the reply when there is one, otherwise without any reply. */
  disconnect?: boolean;
}

export interface Fault {
  reply: { code: number; message: string } | null;
  delayMs: number;
  disconnect: boolean;
}

export interface Trigger {
  ErrorCode: number;
  Probability: number;
}

export interface Triggers {
  Sender: Trigger;
  Recipient: Trigger;
  Authentication: Trigger;
}

export class ChaosError extends Error {
  /** `path`: a JSON pointer into the rule list, such as "/1/match", when the error concerns one rule. */
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

const STAGES: readonly ChaosStage[] = ['connect', 'mail', 'rcpt', 'data'];
const RULE_KEYS = new Set(['stage', 'match', 'reply', 'times', 'delayMs', 'disconnect']);
const REPLY = /^([45]\d\d)(?:[ -](.*))?$/;
/** A rule can hold a reply for at most this long: longer is past any client's command timeout anyway. */
const MAX_DELAY_MS = 600_000;

const defaultTriggers = (): Triggers => ({
  Sender: { ErrorCode: 451, Probability: 0 },
  Recipient: { ErrorCode: 451, Probability: 0 },
  Authentication: { ErrorCode: 535, Probability: 0 },
});

const TRIGGER_OF: Partial<Record<SmtpStage, { key: keyof Triggers; text: string }>> = {
  mail: { key: 'Sender', text: 'Chaos sender error' },
  rcpt: { key: 'Recipient', text: 'Chaos recipient error' },
  auth: { key: 'Authentication', text: 'Chaos authentication error' },
};

interface LiveRule {
  rule: ChaosRule;
  pattern: RegExp | null;
  /** Matching attempts still to fail; Infinity without `times`. */
  left: number;
}

/** Checks a JSON value as a rule list; throws ChaosError naming the first bad rule. */
export function parseChaosRules(value: unknown): ChaosRule[] {
  if (!Array.isArray(value)) throw new ChaosError('chaos rules must be a JSON array');
  return value.map((item: unknown, i) => {
    const where = `rule ${i + 1}`;
    // RFC 6901: "~" and "/" in a key (an unknown one, say) are escaped as "~0" and "~1".
    const at = (field?: string): string => `/${i}${field ? `/${field.replaceAll('~', '~0').replaceAll('/', '~1')}` : ''}`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new ChaosError(`${where}: expected an object`, at());
    const r = item as Record<string, unknown>;
    for (const key of Object.keys(r)) if (!RULE_KEYS.has(key)) throw new ChaosError(`${where}: unknown key "${key}"`, at(key));
    if (!STAGES.includes(r.stage as ChaosStage)) throw new ChaosError(`${where}: "stage" must be one of ${STAGES.join(', ')}`, at('stage'));
    const rule: ChaosRule = { stage: r.stage as ChaosStage };
    if (r.match !== undefined) {
      if (typeof r.match !== 'string') throw new ChaosError(`${where}: "match" must be a string`, at('match'));
      compile(r.match, where, at('match'));
      rule.match = r.match;
    }
    if (r.reply !== undefined) {
      if (typeof r.reply !== 'string' || !REPLY.test(r.reply.trim())) throw new ChaosError(`${where}: "reply" must be a 4xx or 5xx SMTP reply such as "451 4.7.1 Try again later"`, at('reply'));
      rule.reply = r.reply.trim();
    }
    if (r.times !== undefined) {
      if (!Number.isInteger(r.times) || (r.times as number) < 1) throw new ChaosError(`${where}: "times" must be a whole number >= 1`, at('times'));
      rule.times = r.times as number;
    }
    if (r.delayMs !== undefined) {
      if (!Number.isInteger(r.delayMs) || (r.delayMs as number) < 0 || (r.delayMs as number) > MAX_DELAY_MS) throw new ChaosError(`${where}: "delayMs" must be 0-${MAX_DELAY_MS}`, at('delayMs'));
      rule.delayMs = r.delayMs as number;
    }
    if (r.disconnect !== undefined) {
      if (typeof r.disconnect !== 'boolean') throw new ChaosError(`${where}: "disconnect" must be true or false`, at('disconnect'));
      rule.disconnect = r.disconnect;
    }
    if (!rule.reply && !rule.delayMs && !rule.disconnect) throw new ChaosError(`${where}: needs "reply", "delayMs" or "disconnect"`, at());
    return rule;
  });
}

function compile(source: string, where: string, path?: string): RegExp {
  try {
    return new RegExp(source, 'i');
  } catch (err) {
    throw new ChaosError(`${where}: "match" is not a valid regular expression: ${(err as Error).message}`, path);
  }
}

export class Chaos {
  private current = defaultTriggers();
  private live: LiveRule[] = [];

  /** `enabled`: --enable-chaos or --chaos-rules; without either the chaos API is refused, as in Mailpit. */
  constructor(
    readonly enabled: boolean,
    rules: ChaosRule[] = [],
    private readonly random: () => number = Math.random,
  ) {
    this.setRules(rules);
  }

  get triggers(): Triggers {
    return structuredClone(this.current);
  }

  /** Mailpit's PUT: omitted triggers go back to their defaults with probability 0, so `{}` resets everything. */
  setTriggers(input: Partial<Record<keyof Triggers, Partial<Trigger>>>): Triggers {
    const next = defaultTriggers();
    for (const key of Object.keys(next) as (keyof Triggers)[]) {
      const given = input[key];
      const trigger = { ErrorCode: given?.ErrorCode || next[key].ErrorCode, Probability: given?.Probability ?? 0 };
      if (trigger.ErrorCode < 400 || trigger.ErrorCode > 599) throw new ChaosError(`${key}: error code must be between 400 and 599`);
      if (trigger.Probability < 0 || trigger.Probability > 100) throw new ChaosError(`${key}: probability must be between 0 and 100`);
      next[key] = trigger;
    }
    this.current = next;
    return this.triggers;
  }

  get rules(): ChaosRule[] {
    return this.live.map((l) => ({ ...l.rule }));
  }

  /** Replaces the rules (already checked by parseChaosRules); every `times` count starts again. */
  setRules(rules: ChaosRule[]): void {
    this.live = rules.map((rule) => ({ rule, pattern: rule.match ? compile(rule.match, 'rule') : null, left: rule.times ?? Infinity }));
  }

  /** Whether any rule looks at this stage (lets the listener skip decoding the Subject). */
  watches(stage: ChaosStage): boolean {
    return this.live.some((l) => l.rule.stage === stage && l.left > 0);
  }

  /** The fault for this attempt, if any: the first matching rule with attempts left, then Mailpit's trigger. */
  fault(stage: SmtpStage, value: string): Fault | null {
    if (!this.enabled) return null;
    for (const l of this.live) {
      if (l.rule.stage !== stage || l.left <= 0 || (l.pattern && !l.pattern.test(value))) continue;
      l.left--;
      const m = l.rule.reply ? REPLY.exec(l.rule.reply)! : null;
      return { reply: m ? { code: Number(m[1]), message: m[2] ?? '' } : null, delayMs: l.rule.delayMs ?? 0, disconnect: l.rule.disconnect ?? false };
    }
    const trigger = TRIGGER_OF[stage];
    if (!trigger) return null;
    const { ErrorCode, Probability } = this.current[trigger.key];
    // random() is in [0, 1), so Probability 100 always fires and 0 never does.
    if (Probability > 0 && this.random() * 100 < Probability) return { reply: { code: ErrorCode, message: trigger.text }, delayMs: 0, disconnect: false };
    return null;
  }
}
