import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { formFieldsOf, pathOfField, type FormFields } from './form-fields.js';

/**
 * A file of a multipart body, streamed to a temp path. A class, so that a JSON body can never
 * pass for one (`instanceof` is the check; an object with a `path` is just an object).
 */
export class UploadedFile {
  constructor(
    readonly field: string,
    readonly path: string,
    readonly filename: string,
    readonly mimetype: string,
  ) {}
}

export interface ParsedForm {
  /** Prototype-less: built from client-chosen names. */
  fields: FormFields;
  files: UploadedFile[];
  /** Removes the temp files; call when done with them. */
  cleanup(): Promise<void>;
}

/** Reads a multipart body: fields into an object, files streamed to `tmpDir` (never buffered). */
export async function readMultipartForm(req: FastifyRequest, tmpDir: string, maxFileBytes: number): Promise<ParsedForm> {
  await mkdir(tmpDir, { recursive: true });
  const entries: [string, unknown][] = [];
  const files: UploadedFile[] = [];
  const cleanup = async () => {
    await Promise.all(files.map((f) => rm(f.path, { force: true })));
  };
  try {
    for await (const part of req.parts({ limits: { fileSize: maxFileBytes, files: 2, fields: 50 } })) {
      pathOfField(part.fieldname); // refuses a forbidden name before anything is read
      if (part.type === 'file') {
        const path = join(tmpDir, `upload-${randomUUID()}`);
        files.push(new UploadedFile(part.fieldname, path, part.filename || 'upload', part.mimetype));
        await pipeline(part.file, createWriteStream(path));
        if (part.file.truncated) {
          throw new AppError('source_too_large', `the uploaded ${part.fieldname} is larger than ${maxFileBytes} bytes`, { param: part.fieldname });
        }
      } else {
        entries.push([part.fieldname, part.value]);
      }
    }
    return { fields: formFieldsOf(entries), files, cleanup };
  } catch (err) {
    await cleanup();
    if (err instanceof AppError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw new AppError('source_too_large', 'the uploaded file is too large');
    // @fastify/multipart's own refusal of a field named like an Object.prototype property; it does not say which.
    if (code === 'FST_PROTO_VIOLATION') throw new AppError('invalid_parameter', 'a form field is named like an Object.prototype property (__proto__, constructor, ...)');
    throw new AppError('invalid_parameter', 'the multipart body could not be read');
  }
}

