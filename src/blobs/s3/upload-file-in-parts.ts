import { open } from 'node:fs/promises';
import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';

export interface PartPlan {
  /** Bytes per part (S3: at least 5 MiB, except the last). */
  partBytes: number;
  /** Parts in flight at once; each holds one part in memory. */
  concurrency: number;
}

/**
 * A large local file put as one S3 object through a multipart upload. The object appears only
 * when CompleteMultipartUpload succeeds, whole (readers never see part of it); on any failure the
 * upload is aborted so no parts are left billed. Each part is read into memory before it is sent,
 * so the SDK can retry it.
 */
export async function uploadFileInParts(
  client: S3Client,
  target: { bucket: string; key: string; contentType: string },
  localPath: string,
  size: number,
  plan: PartPlan,
): Promise<void> {
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, ContentType: target.contentType }));
  if (!UploadId) throw new Error('S3 CreateMultipartUpload answered no UploadId');
  const file = await open(localPath, 'r');
  try {
    const count = Math.max(1, Math.ceil(size / plan.partBytes));
    const parts: CompletedPart[] = new Array(count);
    let next = 0;
    let failure: { error: unknown } | undefined;
    const sendPart = async (index: number) => {
      const start = index * plan.partBytes;
      const length = Math.min(plan.partBytes, size - start);
      const body = Buffer.allocUnsafe(length);
      const { bytesRead } = await file.read(body, 0, length, start);
      if (bytesRead !== length) throw new Error(`${localPath} changed size while it was uploaded`);
      const { ETag } = await client.send(
        new UploadPartCommand({ Bucket: target.bucket, Key: target.key, UploadId, PartNumber: index + 1, Body: body, ContentLength: length }),
      );
      parts[index] = { PartNumber: index + 1, ETag };
    };
    // A few workers take the next part until none is left; after a failure they stop, and every
    // part in flight settles before the upload is aborted (an abort races parts still arriving).
    const worker = async () => {
      while (next < count && !failure) {
        try {
          await sendPart(next++);
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(plan.concurrency, count) }, worker));
    if (failure) throw failure.error;
    await client.send(new CompleteMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, UploadId, MultipartUpload: { Parts: parts } }));
  } catch (err) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, UploadId })).catch(() => {});
    throw err;
  } finally {
    await file.close();
  }
}
