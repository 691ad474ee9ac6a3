import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decodeJsonFields, type FieldShape } from './form-fields.js';
import { type FileFieldLimit, type ParsedForm, readMultipartForm } from './multipart-form.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The temp files of a multipart body; removed before the answer is sent. */
    uploads?: ParsedForm;
  }
}

export interface MultipartBodyOptions {
  tmpDir: string;
  maxFileBytes: number;
  /** Files of these fields get their own limit (see FileFieldLimit). */
  fileFields?: Record<string, FileFieldLimit>;
  /** Fields that are a list or an object, for JSON sent inside a form field. */
  shapes?: Record<string, FieldShape>;
}

/**
 * A preValidation hook: a multipart body becomes `req.body`, its fields read back into the values
 * a JSON body carries and each file as an UploadedFile under its field name, so the route's zod
 * schema checks JSON and multipart alike.
 */
export function multipartAsBody(opts: MultipartBodyOptions) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!req.isMultipart()) return;
    let form: ParsedForm;
    try {
      form = await readMultipartForm(req, opts.tmpDir, opts.maxFileBytes, opts.fileFields);
    } catch (err) {
      // Refused before the body's end (a file too large, not an image): the rest is not read, so
      // the connection cannot carry another request; it closes once the answer is out.
      if (!req.raw.complete) reply.header('connection', 'close');
      throw err;
    }
    req.uploads = form;
    const body = decodeJsonFields(form.fields, opts.shapes ?? {});
    for (const file of form.files) body[file.field] = file;
    req.body = body;
  };
}

/**
 * Removes every request's temp files before its answer goes out (so a client that reads the
 * answer finds nothing left behind), or when the client abandons the request.
 */
export function removeUploadsAfterEachRequest(app: FastifyInstance): void {
  const remove = async (req: FastifyRequest) => {
    const uploads = req.uploads;
    req.uploads = undefined;
    await uploads?.cleanup();
  };
  app.addHook('onSend', (req, _reply, payload, done) => {
    if (req.uploads === undefined) return done(null, payload);
    remove(req).then(
      () => done(null, payload),
      (err: Error) => done(err),
    );
  });
  app.addHook('onRequestAbort', remove);
}
