import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

export interface UploadedFile {
  field: string;
  path: string;
  filename: string;
  mimetype: string;
}

export interface ParsedForm {
  fields: Record<string, unknown>;
  files: UploadedFile[];
  /** Removes the temp files; call when done with them. */
  cleanup(): Promise<void>;
}

/** `a[b][0]` -> ['a', 'b', '0']: the bracket notation the official SDKs use for objects in forms. */
function setPath(target: Record<string, unknown>, name: string, value: unknown): void {
  const keys = name.replace(/\]/g, '').split('[');
  let node: Record<string, unknown> = target;
  keys.forEach((key, i) => {
    if (i === keys.length - 1) {
      node[key] = value;
      return;
    }
    const nextIsIndex = /^\d+$/.test(keys[i + 1]);
    node[key] ??= nextIsIndex ? [] : {};
    node = node[key] as Record<string, unknown>;
  });
}

/** Reads a multipart body: fields into an object, files streamed to `tmpDir` (never buffered). */
export async function readMultipartForm(req: FastifyRequest, tmpDir: string, maxFileBytes: number): Promise<ParsedForm> {
  await mkdir(tmpDir, { recursive: true });
  const fields: Record<string, unknown> = {};
  const files: UploadedFile[] = [];
  const cleanup = async () => {
    await Promise.all(files.map((f) => rm(f.path, { force: true })));
  };
  try {
    for await (const part of req.parts({ limits: { fileSize: maxFileBytes, files: 2, fields: 50 } })) {
      if (part.type === 'file') {
        const path = join(tmpDir, `upload-${randomUUID()}`);
        files.push({ field: part.fieldname, path, filename: part.filename || 'upload', mimetype: part.mimetype });
        await pipeline(part.file, createWriteStream(path));
        if (part.file.truncated) {
          throw new AppError('source_too_large', `the uploaded ${part.fieldname} is larger than ${maxFileBytes} bytes`, { param: part.fieldname });
        }
      } else {
        setPath(fields, part.fieldname, part.value);
      }
    }
  } catch (err) {
    await cleanup();
    if (err instanceof AppError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw new AppError('source_too_large', 'the uploaded file is too large');
    throw new AppError('invalid_parameter', 'the multipart body could not be read');
  }
  return { fields, files, cleanup };
}

export const isMultipart = (req: FastifyRequest) => req.isMultipart();
