/**
 * JetStream requests answered over one reply subscription: publishes with their PubAcks, and confirmed acks.
 * nats.ws's `js.publish` and `ackAck` go through its request mux, which builds a throwaway `NatsError`
 * (stack trace included) for every request it settles: 10% of a publish's CPU. The publish protocol is small:
 * a message with a `Nats-Msg-Id` header and a reply subject, answered by a PubAck `{stream, seq, duplicate?}`
 * or `{error: {code, err_code, description}}`, or by a 503 status when nothing captures the subject.
 */
import type { Msg, MsgHdrs, NatsConnection } from 'nats.ws';
import { ReplyInbox } from './reply-inbox.ts';

/** A failed publish, with the `code` nats.ws would give it (`TIMEOUT`, `503`, or the API error's code). */
export class PublishError extends Error {
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.name = 'PublishError';
    this.code = code;
  }
}

interface Pending {
  resolve: (reply: Msg) => void;
  reject: (err: PublishError) => void;
  timer: NodeJS.Timeout;
}

const decoder = new TextDecoder();

export class JetStreamPublisher {
  private readonly pending = new Map<string, Pending>();
  private readonly replies: ReplyInbox;

  constructor(
    private readonly nc: NatsConnection,
    inbox: () => string,
    private readonly headers: () => MsgHdrs,
  ) {
    this.replies = new ReplyInbox(nc, inbox, (msg, id) => this.settle(msg, id));
  }

  /** Publishes `data` to `subject` once per `msgID` (the stream's duplicate window); resolves on its PubAck. */
  async publish(subject: string, data: Uint8Array, msgID: string, timeoutMs: number): Promise<void> {
    const headers = this.headers();
    headers.set('Nats-Msg-Id', msgID);
    const failure = pubAckFailure(await this.request(subject, data, timeoutMs, headers));
    if (failure) throw failure;
  }

  /** Publishes `data` with a reply subject of this publisher's; resolves with the first reply. */
  request(subject: string, data: Uint8Array, timeoutMs: number, headers?: MsgHdrs): Promise<Msg> {
    return new Promise<Msg>((resolve, reject) => {
      const fail = (err: unknown) => {
        const code = String((err as { code?: unknown }).code ?? 'PUBLISH');
        reject(new PublishError(err instanceof Error ? err.message : String(err), code));
      };
      let reply: { id: string; subject: string };
      try {
        reply = this.replies.next(); // subscribes on first use: throws on a closed connection
      } catch (err) {
        fail(err);
        return;
      }
      const { id } = reply;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new PublishError('timed out waiting for the reply', 'TIMEOUT'));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      try {
        this.nc.publish(
          subject,
          data,
          headers ? { reply: reply.subject, headers } : { reply: reply.subject },
        );
      } catch (err) {
        clearTimeout(timer);
        this.pending.delete(id);
        fail(err);
      }
    });
  }

  private settle(msg: Msg, id: string | undefined): void {
    if (id === undefined) return;
    const waiting = this.pending.get(id);
    if (!waiting) return; // timed out already
    this.pending.delete(id);
    clearTimeout(waiting.timer);
    waiting.resolve(msg);
  }

  /** Fails what is still waiting and drops the reply subscription. */
  close(): void {
    this.replies.close();
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new PublishError('connection closed', 'CONNECTION_CLOSED'));
      this.pending.delete(id);
    }
  }
}

/** Why a PubAck says the message was not stored; undefined when it was. */
export function pubAckFailure(msg: Pick<Msg, 'headers' | 'data'>): PublishError | undefined {
  const status = msg.headers?.code ?? 0;
  if (status >= 400 || msg.headers?.hasError) {
    return new PublishError(msg.headers?.description || `status ${status}`, String(status));
  }
  let ack: { stream?: unknown; error?: { code?: unknown; err_code?: unknown; description?: unknown } };
  try {
    ack = JSON.parse(decoder.decode(msg.data));
  } catch {
    return new PublishError('the PubAck is not JSON', 'JESTREAM_INVALID_ACK');
  }
  if (ack.error) {
    return new PublishError(
      String(ack.error.description ?? 'JetStream refused the message'),
      String(ack.error.code ?? ack.error.err_code ?? 'UNKNOWN_ERROR'),
    );
  }
  if (typeof ack.stream !== 'string' || ack.stream === '') {
    return new PublishError('the PubAck names no stream', 'JESTREAM_INVALID_ACK');
  }
  return undefined;
}
