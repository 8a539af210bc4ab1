/**
 * Uploads the report files to S3. Files up to one part go in one PutObject; larger ones
 * (a table with millions of differing rows) in a multipart upload that is aborted on any
 * error, so no partial object is left. The caller uploads report.json last.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';

/** 64 MiB parts: 10,000 parts (the S3 maximum) cover 640 GiB, far above the task's disk. */
export const PART_SIZE = 64 * 1024 * 1024;

export function contentTypeOf(file: string): string {
  if (file.endsWith('.json')) return 'application/json';
  if (file.endsWith('.jsonl')) return 'application/x-ndjson';
  if (file.endsWith('.md')) return 'text/markdown; charset=utf-8';
  return 'application/octet-stream';
}

export async function uploadFile(s3: S3Client, bucket: string, key: string, file: string, partSize: number = PART_SIZE): Promise<void> {
  const contentType = contentTypeOf(file);
  const { size } = await fs.promises.stat(file);
  if (size <= partSize) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await fs.promises.readFile(file), ContentType: contentType }));
    return;
  }
  const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }));
  const uploadId = created.UploadId;
  if (uploadId === undefined) throw new Error(`S3 returned no upload id for ${key}`);
  const handle = await fs.promises.open(file, 'r');
  try {
    const parts: CompletedPart[] = [];
    for (let offset = 0, partNumber = 1; offset < size; offset += partSize, partNumber += 1) {
      const length = Math.min(partSize, size - offset);
      const buffer = new Uint8Array(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      if (bytesRead !== length) throw new Error(`short read of ${path.basename(file)} at ${offset}`);
      const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: buffer }));
      parts.push({ PartNumber: partNumber, ETag: part.ETag });
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
  } catch (error) {
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    throw error;
  } finally {
    await handle.close();
  }
}
