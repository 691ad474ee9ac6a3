/**
 * A multipart body made on the fly, for uploads far larger than anything worth writing to disk:
 * text fields, then one file part whose bytes are `head` followed by zeros up to `size` (or, with
 * `hangAfterHead`, nothing more: the part never ends). Sent with fetch `duplex: 'half'`.
 */
const CHUNK = Buffer.alloc(1024 * 1024);

export interface StreamedFile {
  field: string;
  filename: string;
  type: string;
  head: Buffer;
  /** Total bytes of the file part (head included). */
  size: number;
  /** Send the head and then hold the part open, never finishing it. */
  hangAfterHead?: boolean;
}

export interface StreamedMultipart {
  body: ReadableStream<Uint8Array>;
  contentType: string;
  /** Bytes handed to fetch so far. */
  sent(): number;
  /** Ends a held body (the stream errors, as a client that gives up). */
  stop(): void;
}

export function streamedMultipart(fields: Array<[string, string]>, file: StreamedFile): StreamedMultipart {
  const boundary = `----sc-security-${Math.random().toString(16).slice(2)}`;
  const preamble = Buffer.from(
    fields.map(([k, v]) => `--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('') +
      `--${boundary}\r\ncontent-disposition: form-data; name="${file.field}"; filename="${file.filename}"\r\ncontent-type: ${file.type}\r\n\r\n`,
  );
  const epilogue = Buffer.from(`\r\n--${boundary}--\r\n`);
  let sent = 0;
  let fileSent = 0;
  let release: (() => void) | undefined;
  let stopped = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (stopped) return;
      if (sent === 0) {
        controller.enqueue(Buffer.concat([preamble, file.head]));
        sent += preamble.length + file.head.length;
        fileSent = file.head.length;
        return;
      }
      if (file.hangAfterHead) {
        await new Promise<void>((r) => (release = r));
        controller.error(new Error('the client gave up'));
        return;
      }
      if (fileSent < file.size) {
        const n = Math.min(CHUNK.length, file.size - fileSent);
        controller.enqueue(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n));
        fileSent += n;
        sent += n;
        return;
      }
      controller.enqueue(epilogue);
      sent += epilogue.length;
      controller.close();
    },
    cancel() {
      stopped = true;
      release?.();
    },
  });
  return {
    body,
    contentType: `multipart/form-data; boundary=${boundary}`,
    sent: () => sent,
    stop() {
      stopped = true;
      release?.();
    },
  };
}

/** The first bytes of a PNG file (signature and the start of IHDR): enough to pass a magic check. */
export const PNG_HEAD = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
