// Every error leaves as JSON {"Error": "..."}. Client mistakes are 4xx with a message saying what was wrong; only a
// fault of ours is a 500, and then without internals.
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { NotFoundError } from '../../store/types.ts';
import { HttpError } from '../context.ts';

export const errorsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof NotFoundError) return reply.code(404).send({ Error: err.message });
    if (err.validation) {
      // Path lets a client point at the field (the chaos panel marks the rule); the pointer is within the part named.
      const path = err.validation[0]?.instancePath;
      return reply.code(400).send({ Error: validationMessage(err.validationContext ?? 'request', err.validation), ...(path && { Path: path }) });
    }
    const status = err.statusCode ?? 500;
    if (status < 500) return reply.code(status).send({ Error: err.message, ...(err instanceof HttpError && err.path && { Path: err.path }) });
    request.log.error(err);
    app.mailcove.hub.clientError('http', request.ip, `${request.method} ${request.url}: ${err.message}`);
    return reply.code(500).send({ Error: 'internal server error' });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ Error: `no route for ${request.method} ${request.url.split('?')[0]}` }));
});

type ValidationError = NonNullable<FastifyError['validation']>[number];

/**
 * One line about the first field at fault: "invalid body: 1/stage must be one of "connect", "mail"…". ajv reports
 * a union of constants as one error per constant plus an anyOf summary; those are folded into "one of".
 */
function validationMessage(context: string, errors: ValidationError[]): string {
  const first = errors[0];
  if (!first) return `invalid ${context}`;
  const field = first.instancePath.replace(/^\//, '');
  const allowed = errors.filter((e) => e.instancePath === first.instancePath && e.keyword === 'const').map((e) => JSON.stringify(e.params.allowedValue));
  const problem = allowed.length > 1 ? `must be one of ${allowed.join(', ')}` : (first.message ?? 'is not valid');
  return `invalid ${context}: ${field ? `${field} ` : ''}${problem}`;
}
