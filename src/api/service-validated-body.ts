import { validatorCompiler } from 'fastify-type-provider-zod';

/**
 * Bodies that may be JSON or multipart are documented by their schema but checked by the
 * service, which knows the exact codes; other parts keep the zod validator.
 */
export const bodyCheckedByService = ({ httpPart, ...rest }: Parameters<typeof validatorCompiler>[0]) =>
  httpPart === 'body' ? () => true : validatorCompiler({ httpPart, ...rest });

