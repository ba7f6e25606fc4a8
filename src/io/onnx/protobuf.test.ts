/**
 * The protobuf writer against the encoding spec's own examples (varint 150 = 08 96 01, 300 = ac 02,
 * int64 -1 = ten bytes), and nested messages whose large blocks are kept by reference: the lengths
 * written before them must count every byte.
 */
import { describe, expect, it } from "vitest";
import { expectError } from "../../../test/support/expect-error.js";
import { encodeOnnxModel, irVersionForOpset } from "./onnx-proto.js";
import { ProtoWriter } from "./protobuf.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** Read one varint at `at`: [value, next offset]. */
function readVarint(b: Uint8Array, at: number): [number, number] {
  let v = 0;
  let shift = 1;
  for (;;) {
    const byte = b[at++];
    v += (byte & 0x7f) * shift;
    shift *= 128;
    if (byte < 0x80) return [v, at];
  }
}

describe("ProtoWriter", () => {
  it("writes varints, int64 and fixed32 as the protobuf encoding guide does", () => {
    expect(hex(new ProtoWriter().intField(1, 150).finish())).toBe("089601");
    expect(hex(new ProtoWriter().varint(300).finish())).toBe("ac02");
    expect(hex(new ProtoWriter().int64(-1).finish())).toBe("ffffffffffffffffff01");
    expect(hex(new ProtoWriter().stringField(2, "testing").finish())).toBe("120774657374696e67");
    expect(hex(new ProtoWriter().floatField(2, 1).finish())).toBe("150000803f");
    expect(hex(new ProtoWriter().packedInt64(4, [3, 270, 86942]).finish())).toBe("2206038e029ea705");
    expect(new ProtoWriter().packedInt64(4, []).finish().length).toBe(0);
  });

  it("counts blocks kept by reference in the lengths of the messages around them", () => {
    const blob = new Uint8Array(10_000).map((_, i) => i % 251);
    const bytes = new ProtoWriter()
      .messageField(7, (g) => {
        g.messageField(5, (t) => {
          t.stringField(8, "w").bytesField(9, blob);
        });
        g.stringField(2, "after");
      })
      .finish();
    let at = 0;
    expect(bytes[at++]).toBe(0x3a); // field 7, length-delimited
    const [graphLength, g0] = readVarint(bytes, at);
    expect(g0 + graphLength).toBe(bytes.length);
    expect(bytes[g0]).toBe(0x2a); // field 5
    const [tensorLength, t0] = readVarint(bytes, g0 + 1);
    const tensor = bytes.subarray(t0, t0 + tensorLength);
    expect(hex(tensor.subarray(0, 3))).toBe("420177"); // field 8 (name) "w"
    expect(tensor[3]).toBe(0x4a); // field 9
    const [blobLength, b0] = readVarint(tensor, 4);
    expect(blobLength).toBe(blob.length);
    expect(tensor.subarray(b0)).toEqual(blob);
    expect(Buffer.from(bytes.subarray(t0 + tensorLength)).toString("latin1")).toBe("\x12\x05after");
  });

  it("rejects what protobuf cannot hold", () => {
    expectError(() => new ProtoWriter().varint(-1), "argument", /non-negative safe integer, got -1/);
    expectError(() => new ProtoWriter().int64(0.5), "argument", /safe integer, got 0.5/);
  });
});

describe("ONNX model encoding", () => {
  it("pairs each opset with its IR version and rejects unknown opsets", () => {
    expect(irVersionForOpset(19)).toBe(9);
    expect(irVersionForOpset(21)).toBe(10);
    expectError(() => irVersionForOpset(12), "unsupported", /opset must be one of 17, .*23, got 12/);
  });

  it("starts a ModelProto with ir_version and the producer", () => {
    const bytes = encodeOnnxModel({
      irVersion: 9,
      opsetImports: [{ domain: "", version: 19 }],
      producerName: "minifloat",
      producerVersion: "1",
      graph: { name: "g", nodes: [], initializers: [], inputs: [], outputs: [] },
    });
    expect(hex(bytes.subarray(0, 13))).toBe(`08091209${hex(new TextEncoder().encode("minifloat"))}`);
    expect(hex(bytes.subarray(-4))).toBe("42021013"); // opset_import { version: 19 }
  });
});
