import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { type FormFields, formFieldsOf, pathOfField } from './form-fields.js';

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

/** A stricter rule for the file of one field: its own size cap, and a check of its first bytes. */
export interface FileFieldLimit {
  maxBytes: number;
  /** How many first bytes `checkHead` is shown (fewer only when the whole file is shorter). */
  headBytes: number;
  /** Throws (an AppError) when the first bytes already show that the file is refused. */
  checkHead(head: Buffer): void;
}

const tooLarge = (field: string, maxBytes: number) =>
  new AppError('source_too_large', `the uploaded ${field} is larger than ${maxBytes} bytes`, { param: field });

/**
 * Passes a file's bytes on while counting them: past `maxBytes`, or when `rule` refuses its first
 * bytes, it fails at once, so the upload is refused where it stands instead of after its end.
 */
function fileGuard(field: string, maxBytes: number, rule: FileFieldLimit | undefined): Transform {
  let bytes = 0;
  let head: Buffer[] | null = rule ? [] : null;
  const judgeHead = () => {
    const whole = Buffer.concat(head!);
    head = null;
    rule!.checkHead(whole.subarray(0, rule!.headBytes));
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > maxBytes) return callback(tooLarge(field, maxBytes));
      try {
        if (head) {
          head.push(chunk);
          if (bytes >= rule!.headBytes) judgeHead();
        }
      } catch (err) {
        return callback(err as Error);
      }
      callback(null, chunk);
    },
    flush(callback) {
      try {
        if (head) judgeHead();
      } catch (err) {
        return callback(err as Error);
      }
      callback();
    },
  });
}

/**
 * Reads a multipart body: fields into an object, files streamed to `tmpDir` (never buffered).
 * A file is at most `maxFileBytes`, or its field's own `fileFields` limit.
 */
export async function readMultipartForm(
  req: FastifyRequest,
  tmpDir: string,
  maxFileBytes: number,
  fileFields: Record<string, FileFieldLimit> = {},
): Promise<ParsedForm> {
  await mkdir(tmpDir, { recursive: true });
  const entries: [string, unknown][] = [];
  const files: UploadedFile[] = [];
  const cleanup = async () => {
    await Promise.all(files.map((f) => rm(f.path, { force: true })));
  };
  try {
    // The parser's own limit is a backstop one byte above the largest cap: fileGuard sees the excess byte and refuses first.
    const largest = Math.max(maxFileBytes, ...Object.values(fileFields).map((f) => f.maxBytes));
    for await (const part of req.parts({ limits: { fileSize: largest + 1, files: 2, fields: 50 } })) {
      pathOfField(part.fieldname); // refuses a forbidden name before anything is read
      if (part.type === 'file') {
        const path = join(tmpDir, `upload-${randomUUID()}`);
        files.push(new UploadedFile(part.fieldname, path, part.filename || 'upload', part.mimetype));
        const rule = Object.hasOwn(fileFields, part.fieldname) ? fileFields[part.fieldname] : undefined;
        const maxBytes = rule?.maxBytes ?? maxFileBytes;
        await pipeline(part.file, fileGuard(part.fieldname, maxBytes, rule), createWriteStream(path));
        if (part.file.truncated) throw tooLarge(part.fieldname, maxBytes);
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
    if (code === 'FST_PROTO_VIOLATION')
      throw new AppError('invalid_parameter', 'a form field is named like an Object.prototype property (__proto__, constructor, ...)');
    throw new AppError('invalid_parameter', 'the multipart body could not be read');
  }
}
