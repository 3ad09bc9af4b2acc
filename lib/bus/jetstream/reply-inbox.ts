/**
 * Reply subjects `<inbox>.<id>` under one wildcard subscription, made on first use: the publisher's
 * PubAcks and confirmed acks, and a puller's end-of-pull statuses, arrive on them. An id names the request
 * a reply answers; messages on other subjects (a pull's deliveries carry their stream subject) have none.
 */
import type { Msg, NatsConnection, Subscription } from 'nats.ws';

export class ReplyInbox {
  private subscription: Subscription | undefined;
  private prefix = '';
  private count = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly inbox: () => string,
    private readonly onMessage: (msg: Msg, id: string | undefined) => void,
  ) {}

  /** A new id and its reply subject (subscribing on the first call). */
  next(): { id: string; subject: string } {
    if (!this.subscription) {
      this.prefix = `${this.inbox()}.`;
      this.subscription = this.nc.subscribe(`${this.prefix}*`, {
        callback: (_err, msg) =>
          this.onMessage(
            msg,
            msg.subject.startsWith(this.prefix) ? msg.subject.slice(this.prefix.length) : undefined,
          ),
      });
    }
    const id = (++this.count).toString(36);
    return { id, subject: this.prefix + id };
  }

  close(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }
}
