/** What the engine needs of an event bus: ordered topics with durable, acknowledged consumer groups. */

/** Resolves when the message is handled (then it is acknowledged); rejects to leave it unacknowledged. */
export type BusHandler = (message: Buffer) => Promise<void>;

export interface BusSubscription {
  close(): Promise<void>;
}

export interface Bus {
  /** For logs and hops: `embedded` or `nats://…`. */
  readonly description: string;
  publish(topic: string, message: Buffer): Promise<void>;
  /**
   * Delivers the topic's messages to `handler` one at a time, in order, for consumer group `group`;
   * a message is acknowledged (never delivered to the group again) once the handler resolved. A
   * group new to the topic starts with the messages published after it subscribed.
   */
  subscribe(topic: string, group: string, handler: BusHandler): Promise<BusSubscription>;
  /** Makes sure the topic exists for other readers (functions' own pubsub on the same server). */
  prepareTopic?(topic: string): Promise<void>;
  close(): Promise<void>;
}
