import { S3Client } from '@aws-sdk/client-s3';
import type { S3Credentials } from './presign-get-url.js';
import type { S3Address } from './s3-address.js';

/**
 * An S3 client for an S3-compatible endpoint. Checksums are sent and checked only where S3
 * requires them: many S3-compatible stores refuse the SDK's default (trailing CRC32 checksums in
 * aws-chunked bodies).
 */
export function createS3Client(opts: S3Address & S3Credentials): S3Client {
  return new S3Client({
    region: opts.region,
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    forcePathStyle: opts.forcePathStyle,
    credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
    // Where to connect comes from these settings, not from AWS_ENDPOINT_URL(_S3) or the FIPS and
    // dual-stack switches that the SDK would otherwise read from the environment.
    ignoreConfiguredEndpointUrls: true,
    useFipsEndpoint: false,
    useDualstackEndpoint: false,
    retryMode: 'standard',
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    // connectionTimeout: to open a socket; requestTimeout: a socket idle that long is given up.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
  });
}
