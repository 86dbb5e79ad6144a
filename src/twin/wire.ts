// Protobuf wire-level edits apid makes when it proxies one-to-many (research/talos.md §5): it never decodes the
// reply types. Every unary reply is `repeated X messages = 1` with `common.Metadata metadata = 1` inside each X, so
// appending an encoded metadata field to each message merges into it; streamed messages get a `common.Empty`
// appended, which merges the same way. Errors become a reply whose only message carries metadata.error/status.
import protobuf from "protobufjs";

const { Reader, Writer } = protobuf;

export interface WireMetadata {
  hostname?: string;
  error?: string;
  status?: { code: number; message: string };
}

function encodeMetadata(md: WireMetadata): Uint8Array {
  const w = Writer.create();
  if (md.hostname) w.uint32((1 << 3) | 2).string(md.hostname);
  if (md.error) w.uint32((2 << 3) | 2).string(md.error);
  if (md.status) {
    w.uint32((3 << 3) | 2).fork();
    if (md.status.code) w.uint32(1 << 3).int32(md.status.code);
    if (md.status.message) w.uint32((2 << 3) | 2).string(md.status.message);
    w.ldelim();
  }
  return w.finish();
}

/** `common.Empty{metadata: md}` — also a valid prefix/suffix for any message whose field 1 is the metadata. */
function metadataField(md: WireMetadata): Uint8Array {
  return Writer.create()
    .uint32((1 << 3) | 2)
    .bytes(encodeMetadata(md))
    .finish();
}

/** apid `AppendInfo` for a unary reply: sets metadata.hostname on every message in `messages`. */
export function appendUnaryMetadata(reply: Uint8Array, md: WireMetadata): Buffer {
  const extra = metadataField(md);
  const reader = Reader.create(reply);
  const out = Writer.create();
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 1 && wireType === 2) {
      const msg = reader.bytes();
      const merged = new Uint8Array(msg.length + extra.length);
      merged.set(msg, 0);
      merged.set(extra, msg.length);
      out.uint32(tag).bytes(merged);
    } else {
      // Envelopes have no other fields; anything else would be dropped by apid's re-encoding too.
      reader.skipType(wireType);
    }
  }
  const bytes = out.finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** apid `AppendInfo` for a streamed message. */
export function appendStreamMetadata(message: Uint8Array, md: WireMetadata): Buffer {
  return Buffer.concat([message, metadataField(md)]);
}

/** apid `BuildError` for a unary call: a reply with one message holding only the error metadata. */
export function unaryErrorReply(md: WireMetadata): Buffer {
  const bytes = Writer.create()
    .uint32((1 << 3) | 2)
    .bytes(metadataField(md))
    .finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** apid `BuildError` for a stream: one message (e.g. common.Data) whose metadata carries the error. */
export function streamErrorMessage(md: WireMetadata): Buffer {
  const bytes = metadataField(md);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
