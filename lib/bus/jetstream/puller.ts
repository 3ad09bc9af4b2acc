/**
 * Pull requests to one JetStream consumer over one long-lived subscription. nats.ws's `fetch` subscribes
 * and unsubscribes an inbox for every batch (with an iterator and timers: ~40 µs a message in batches of
 * 10), and ends a batch as soon as one message says nothing more is pending while others of the same pull
 * are still on their way: those sat unhandled until their ack wait ran out.
 *
 * The protocol (nats-server `consumer.go`): a request to `$JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>`
 * with `{batch, no_wait}` or `{batch, expires}` and a reply subject. The server delivers up to `batch`
 * messages to that subject (the MSG line names the stream subject; the reply is the ack subject) and ends a
 * request it could not fill with a status on the reply subject itself: 404 No Messages, 408 Request Timeout,
 * 409 when the consumer is gone or busy. Data messages do not say which request they answer, so a puller
 * has one request out at a time; anything that arrives between requests is kept for the next batch.
 */
import type { Msg, MsgHdrs, NatsConnection } from 'nats.ws';
import { ReplyInbox } from './reply-inbox.ts';

const encoder = new TextEncoder();
/** An ack; sent as a request, the server confirms it once recorded. */
export const ACK = encoder.encode('+ACK');
const TERM = encoder.encode('+TERM');
const WORKING = encoder.encode('+WPI');

/** A message delivered by a pull: its stream subject and sequence, delivery count and settlement verbs. */
export class PulledMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: MsgHdrs | undefined;
  /** The ack subject; an ack with a reply of its own is confirmed by the server. */
  readonly reply: string;
  /** Stream sequence. */
  readonly seq: number;
  /** 1 on the first delivery. */
  readonly deliveryCount: number;

  constructor(
    private readonly nc: NatsConnection,
    msg: Msg,
  ) {
    this.subject = msg.subject;
    this.data = msg.data;
    this.headers = msg.headers;
    this.reply = msg.reply ?? '';
    // $JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending>, or with
    // <domain>.<account hash> after ACK (and a random token at the end) from servers that send them.
    const tokens = this.reply.split('.');
    const base = tokens.length === 9 ? 2 : 4;
    this.deliveryCount = Number(tokens[base + 2]);
    this.seq = Number(tokens[base + 3]);
  }

  ack(): void {
    this.nc.publish(this.reply, ACK);
  }

  /** Redelivers after `delayMs`. */
  nak(delayMs: number): void {
    this.nc.publish(this.reply, encoder.encode(`-NAK {"delay":${Math.max(0, Math.round(delayMs)) * 1e6}}`));
  }

  /** Never redelivers. */
  term(): void {
    this.nc.publish(this.reply, TERM);
  }

  /** Restarts the ack wait. */
  working(): void {
    this.nc.publish(this.reply, WORKING);
  }
}

/** How one batch is pulled. */
export interface PullOptions {
  batch: number;
  /** Wait up to this long for the first message (the server's `expires`); absent or 0: what is ready now. */
  expiresMs?: number;
  /** Give up waiting on the server after this long (a lost connection answers nothing). */
  guardMs: number;
}

interface Waiting {
  id: string;
  want: number;
  resolve: (messages: PulledMessage[]) => void;
  reject: (err: Error) => void;
  guard: NodeJS.Timeout;
}

/** Pulls batches from one durable consumer; one pull at a time. */
export class Puller {
  private buffer: PulledMessage[] = [];
  private waiting: Waiting | undefined;
  private readonly replies: ReplyInbox;
  private readonly requestSubject: string;

  constructor(
    private readonly nc: NatsConnection,
    inbox: () => string,
    stream: string,
    consumer: string,
  ) {
    this.requestSubject = `$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`;
    this.replies = new ReplyInbox(nc, inbox, (msg, id) => this.receive(msg, id));
  }

  /** The next batch: up to `batch` messages, fewer when no more are ready (or arrive within `expiresMs`). */
  next(options: PullOptions): Promise<PulledMessage[]> {
    if (this.waiting) return Promise.reject(new Error('a pull is already waiting on this consumer'));
    // Deliveries of an abandoned pull that came in since: hand them over before asking for more.
    if (this.buffer.length > 0) return Promise.resolve(this.take(options.batch));
    return new Promise((resolve, reject) => {
      const { id, subject: reply } = this.replies.next();
      const guard = setTimeout(() => this.finish(), options.guardMs);
      this.waiting = { id, want: options.batch, resolve, reject, guard };
      try {
        const expiresMs = options.expiresMs ?? 0;
        const request =
          expiresMs > 0
            ? `{"batch":${options.batch},"expires":${Math.round(expiresMs) * 1e6}}`
            : `{"batch":${options.batch},"no_wait":true}`;
        this.nc.publish(this.requestSubject, encoder.encode(request), { reply });
      } catch (err) {
        this.finish(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  private receive(msg: Msg, id: string | undefined): void {
    const status = msg.headers?.code ?? 0;
    if (status === 0) {
      this.buffer.push(new PulledMessage(this.nc, msg));
      if (this.waiting && this.buffer.length >= this.waiting.want) this.finish();
      return;
    }
    // A status ends only the request it answers (one abandoned earlier may still be ending); 100 is a heartbeat.
    if (!this.waiting || id !== this.waiting.id || status < 400) return;
    if (status === 404 || status === 408) this.finish();
    else this.finish(new Error(`${status} ${msg.headers?.description ?? ''}`.trim()));
  }

  /** Settles the waiting pull with what has arrived (or `err` when nothing has). */
  private finish(err?: Error): void {
    const waiting = this.waiting;
    if (!waiting) return;
    this.waiting = undefined;
    clearTimeout(waiting.guard);
    if (err && this.buffer.length === 0) waiting.reject(err);
    else waiting.resolve(this.take(waiting.want));
  }

  private take(want: number): PulledMessage[] {
    if (this.buffer.length <= want) {
      const all = this.buffer;
      this.buffer = [];
      return all;
    }
    return this.buffer.splice(0, want);
  }

  /** Ends the waiting pull now with what it has (the loop asks again). */
  abandon(): void {
    this.finish();
  }

  /** Ends the waiting pull and stops receiving; kept messages are handed back to the server at once. */
  close(): void {
    this.finish();
    this.replies.close();
    handBack(this.take(this.buffer.length));
  }
}

/** Naks `messages` for an immediate redelivery; on a closed connection the ack wait brings them back. */
export function handBack(messages: PulledMessage[]): void {
  try {
    for (const message of messages) message.nak(0);
  } catch {
    // Closed: nothing more can be sent.
  }
}
