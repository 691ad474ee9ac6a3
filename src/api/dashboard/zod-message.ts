import type { z } from 'zod';

/** The first problem of a form, as one sentence naming the field, like the API's error messages. */
export function issueMessage(err: z.ZodError): string {
  const issue = err.issues[0];
  if (!issue) return 'the form is not valid';
  const field = issue.path[0];
  return field === undefined ? issue.message : `${String(field).replace('_', ' ')}: ${issue.message}`;
}
