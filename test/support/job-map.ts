import { JOB_TYPES, type JobDefinition, type JobHandler, type JobHandlers, type JobType } from '../../src/jobs/ports.js';

type Partial_ = { [T in JobType]?: JobHandler<T> | JobDefinition<T> };

/**
 * A complete job map for a queue test that runs only some types: a bare handler gets an
 * `onExhausted` that does nothing; a type the test leaves out fails if it ever runs.
 */
export function jobMap(partial: Partial_): JobHandlers {
  const out: Record<string, JobDefinition<JobType>> = {};
  for (const type of JOB_TYPES) {
    const given = partial[type] as JobHandler<JobType> | JobDefinition<JobType> | undefined;
    if (typeof given === 'function') out[type] = { run: given, onExhausted: async () => {} };
    else if (given) out[type] = given;
    else
      out[type] = {
        run: async () => {
          throw new Error(`no ${type} job in this test`);
        },
        onExhausted: async () => {},
      };
  }
  return out as JobHandlers;
}
