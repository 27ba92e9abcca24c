/**
 * Customer.io's documented Track API limits, in bytes of UTF-8 unless named otherwise.
 * The client checks input against them before any request; the emulator enforces them.
 */
export const CIO_LIMITS = Object.freeze({
  /** A person identifier (`id`, `email` or `cio_…`). */
  personIdBytes: 150,
  /** An attribute name (person or device attribute). */
  attributeNameBytes: 150,
  /** An attribute value, as serialised JSON for non-strings. */
  attributeValueBytes: 1000,
  /** Attributes in one identify call. */
  attributesPerCall: 300,
  /** An event name. */
  eventNameBytes: 100,
  /** An event's `data`, serialised. */
  eventDataBytes: 100_000,
  /**
   * A page view's path (or URL). `trackPageView` sends it as the `name` of a `type: "page"` event,
   * so Customer.io holds it to the event-name limit (100 bytes).
   */
  pageNameBytes: 100,
  /**
   * A device id or token (`addDevice`, `deleteDevice`, where it is part of the URL path).
   * Customer.io documents no limit of its own; this package caps it at the attribute-value size
   * (1000 bytes), the largest single value Customer.io documents taking. That is far above any push
   * token (APNs tokens are 32 bytes today, 64 hex characters; FCM registration tokens run to a
   * couple of hundred characters), and keeps the URL of a `deleteDevice` (at most 3000 characters
   * once percent-encoded) well under the 8 KB request line servers and proxies commonly accept.
   */
  deviceTokenBytes: 1000,
  /** One v2 operation, serialised. */
  v2OperationBytes: 32 * 1024,
  /** A whole v2 batch request body (Customer.io: "under 500 KB"). */
  v2BatchBytes: 500 * 1024,
  /**
   * One Data Pipelines message (a request of identify, track …, or one call in a batch), serialised.
   * Customer.io's Pipelines API reference: "A request is limited to 32KB."
   */
  pipelinesMessageBytes: 32 * 1024,
  /** A whole Data Pipelines batch request body ("A batch request is limited to 500KB total and 32KB per call"). */
  pipelinesBatchBytes: 500 * 1024,
  /** A Data Pipelines `messageId` (this package's own limit; Customer.io documents none). */
  pipelinesMessageIdBytes: 200,
});

/** Byte length of a string in UTF-8. */
export function utf8Bytes(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}
