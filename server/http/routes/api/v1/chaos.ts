// /api/v1/chaos: Mailpit's random SMTP fault triggers; /api/v1/chaos/rules: Mailcove's deterministic fault rules.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ChaosError, parseChaosRules } from '../../../../smtp/chaos.ts';
import { badRequest } from '../../../context.ts';

const Trigger = Type.Object({
  ErrorCode: Type.Integer({ description: 'SMTP error code, 400-599', examples: [451] }),
  Probability: Type.Integer({ description: 'Chance of the error in percent, 0-100', examples: [5] }),
});
const Triggers = Type.Object(
  {
    Sender: Trigger,
    Recipient: Trigger,
    Authentication: Trigger,
  },
  { description: 'Sender fails MAIL FROM, Recipient fails RCPT TO, Authentication fails AUTH' },
);
const TriggersInput = Type.Partial(Type.Object({ Sender: Type.Partial(Trigger), Recipient: Type.Partial(Trigger), Authentication: Type.Partial(Trigger) }));
const Rule = Type.Object(
  {
    stage: Type.Union([Type.Literal('connect'), Type.Literal('mail'), Type.Literal('rcpt'), Type.Literal('data')]),
    match: Type.Optional(Type.String({ description: 'Case-insensitive regex on the client address (connect), the address (mail, rcpt) or the Subject (data); absent matches all' })),
    reply: Type.Optional(Type.String({ description: '4xx/5xx reply, e.g. "451 4.7.1 Try again later"' })),
    times: Type.Optional(Type.Integer({ minimum: 1, description: 'Fail only the first K matching attempts' })),
    delayMs: Type.Optional(Type.Integer({ minimum: 0, description: 'Hold the reply this long' })),
    disconnect: Type.Optional(Type.Boolean({ description: 'Close the connection (after the reply, if any)' })),
  },
  { additionalProperties: false },
);

export const chaosRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { chaos } = app.mailcove;
  // As Mailpit: without chaos turned on, the API answers 400.
  const requireEnabled = async (): Promise<void> => {
    if (!chaos.enabled) throw badRequest('Chaos is not enabled');
  };
  const asBadRequest = <T>(change: () => T): T => {
    try {
      return change();
    } catch (err) {
      if (err instanceof ChaosError) throw badRequest(err.message, err.path);
      throw err;
    }
  };
  const errors = { 400: Type.Ref('Error') };

  app.get('/api/v1/chaos', { preHandler: requireEnabled, schema: { tags: ['testing'], summary: 'Get the chaos triggers', description: 'Needs --enable-chaos (or --chaos-rules).', response: { 200: Triggers, ...errors } } }, async () => chaos.triggers);

  app.put(
    '/api/v1/chaos',
    { preHandler: requireEnabled, schema: { tags: ['testing'], summary: 'Set the chaos triggers', description: 'Omitted triggers go back to their defaults with probability 0; `{}` resets all.', body: TriggersInput, response: { 200: Triggers, ...errors } } },
    async (request) => asBadRequest(() => chaos.setTriggers(request.body)),
  );

  app.get('/api/v1/chaos/rules', { preHandler: requireEnabled, schema: { tags: ['testing'], summary: 'Get the chaos rules', response: { 200: Type.Array(Rule), ...errors } } }, async () => chaos.rules);

  app.put(
    '/api/v1/chaos/rules',
    { preHandler: requireEnabled, schema: { tags: ['testing'], summary: 'Replace the chaos rules', description: 'Every `times` count starts again. `[]` removes all rules.', body: Type.Array(Rule, { maxItems: 1000 }), response: { 200: Type.Array(Rule), ...errors } } },
    async (request) => {
      asBadRequest(() => chaos.setRules(parseChaosRules(request.body)));
      return chaos.rules;
    },
  );
};
