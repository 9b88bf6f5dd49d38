import type { IncomingMessage } from "node:http";
import { createServer, request } from "node:https";
import type { AddressInfo } from "node:net";
import { issueServerCertificate, type TestCa } from "../doubles/cloudify";

/** One request as it went over the wire, with the answer it got. */
export interface WireExchange {
  readonly method: string;
  /** Path under /api/v3.1, without the query. */
  readonly path: string;
  readonly body: string;
  readonly status: number;
  readonly reply: string;
}

export interface RecordingProxy {
  /** https URL to use as a connection endpoint (certificate signed by the same CA as the target). */
  readonly url: string;
  readonly exchanges: WireExchange[];
  close(): Promise<void>;
}

const readAll = async (stream: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

const HOP_BY_HOP = ["host", "connection", "keep-alive", "transfer-encoding", "content-length"];
const withoutHopByHop = (headers: IncomingMessage["headers"]) => Object.fromEntries(Object.entries(headers).filter(([k]) => !HOP_BY_HOP.includes(k)));

/**
 * An HTTPS pass-through in front of one node of the double that records request and reply bodies, which the double's
 * own request log leaves out. For JSON exchanges only (bodies are buffered).
 */
export async function startRecordingProxy(target: string, ca: TestCa): Promise<RecordingProxy> {
  const certificate = issueServerCertificate(ca);
  const exchanges: WireExchange[] = [];
  const server = createServer({ key: certificate.keyPem, cert: certificate.certPem }, (req, res) => {
    void (async () => {
      const body = await readAll(req);
      const answer = await new Promise<{ status: number; headers: IncomingMessage["headers"]; reply: Buffer }>((resolve, reject) => {
        const forwarded = request(`${target}${req.url}`, { method: req.method, headers: withoutHopByHop(req.headers), ca: ca.certPem }, (upstream) => {
          readAll(upstream).then((reply) => resolve({ status: upstream.statusCode ?? 0, headers: upstream.headers, reply }), reject);
        });
        forwarded.on("error", reject);
        forwarded.end(body);
      });
      const url = new URL(req.url ?? "/", "https://proxy");
      exchanges.push({
        method: req.method ?? "GET",
        path: url.pathname.replace(/^\/api\/v3\.1/, ""),
        body: body.toString("utf8"),
        status: answer.status,
        reply: answer.reply.toString("utf8"),
      });
      res.writeHead(answer.status, { ...withoutHopByHop(answer.headers), "content-length": answer.reply.length });
      res.end(answer.reply);
    })().catch(() => res.socket?.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
