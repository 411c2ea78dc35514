/** JSON in and out of the admin HTTP API: one answer writer and one bounded body reader. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Answers `status` with `body` as JSON. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * Reads a JSON request body of at most `limit` bytes (`undefined` when empty). Rejects
 * with `fail(413, …)` for an oversize body and `fail(400, …)` for one that is not JSON.
 */
export function readJsonBody(
  req: IncomingMessage,
  limit: number,
  fail: (status: 400 | 413, message: string) => Error,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // An oversize body is drained, not buffered, so the client still reads the 413.
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => {
      if (size > limit) return reject(fail(413, `request body over ${limit} bytes`));
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(fail(400, 'request body is not valid JSON'));
      }
    });
    req.on('error', reject);
  });
}
