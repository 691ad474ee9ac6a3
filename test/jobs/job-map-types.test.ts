import { resolve } from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';

/** Compiles test/jobs/job-map-types.ts with the project's settings: no diagnostics means each @ts-expect-error met its error. */
it('the job map is exhaustive: a missing job type or exhaustion rule does not compile', () => {
  const configPath = resolve('tsconfig.json');
  const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, resolve('.'));
  const file = resolve('test/jobs/job-map-types.ts');
  const program = ts.createProgram([file], { ...options, noEmit: true });
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  expect(diagnostics).toEqual([]);
  // And the fixture is really checked: without its directives, three errors.
  const source = ts.sys.readFile(file)!.replaceAll('// @ts-expect-error', '// (expected)');
  const host = ts.createCompilerHost({ ...options, noEmit: true });
  const read = host.getSourceFile;
  host.getSourceFile = (name, lang, ...rest) => (resolve(name) === file ? ts.createSourceFile(name, source, lang) : read.call(host, name, lang, ...rest));
  const bare = ts.createProgram([file], { ...options, noEmit: true }, host, program);
  expect(ts.getPreEmitDiagnostics(bare).length).toBe(3);
});
