// A small ONNX writer: hand-encoded protobuf of ModelProto, GraphProto, NodeProto, AttributeProto,
// TensorProto and ValueInfoProto (field numbers from onnx.proto), enough for the inference bench
// to hand ONNX Runtime the same models, with the same weights, that wasmgrad runs.
//
//   const g = new OnnxGraph('mlp');
//   g.input('input', [1, 784]);
//   const w = g.initializer('w0', kernel, [784, 256]);      // Float32Array
//   const y = g.node('Gemm', ['input', w, b], { alpha: 1 }); // returns the output name
//   g.output(g.node('Relu', [y], {}, 'output'), [1, 256]);
//   const bytes = g.toModel({ opset: 17 });                 // Uint8Array, a .onnx file

// --- protobuf wire format (proto2: repeated scalars unpacked, which every parser accepts)
const VARINT = 0, FIXED32 = 5, BYTES = 2;
const utf8 = new TextEncoder();

class ProtoWriter {
  constructor() {
    this.parts = [];
    this.length = 0;
  }
  push(bytes) {
    this.parts.push(bytes);
    this.length += bytes.length;
  }
  varintRaw(v) {
    // Non-negative or negative int64 as a two's complement varint (10 bytes for negatives).
    let big = BigInt.asUintN(64, BigInt(v));
    const out = [];
    do {
      let byte = Number(big & 0x7fn);
      big >>= 7n;
      if (big !== 0n) byte |= 0x80;
      out.push(byte);
    } while (big !== 0n);
    this.push(Uint8Array.from(out));
  }
  key(field, wire) {
    this.varintRaw((field << 3) | wire);
  }
  int(field, v) {
    this.key(field, VARINT);
    this.varintRaw(v);
  }
  float(field, v) {
    this.key(field, FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
  }
  bytes(field, data) {
    this.key(field, BYTES);
    this.varintRaw(data.length);
    this.push(data);
  }
  string(field, s) {
    this.bytes(field, utf8.encode(s));
  }
  message(field, writeBody) {
    const sub = new ProtoWriter();
    writeBody(sub);
    this.bytes(field, sub.finish());
  }
  finish() {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

// --- ONNX enums
export const DTYPE = { float: 1, int32: 6, int64: 7 };
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 };

// TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9 (little-endian bytes).
function writeTensor(w, name, data, dims, dataType) {
  for (const d of dims) w.int(1, d);
  w.int(2, dataType);
  w.string(8, name);
  let raw;
  if (dataType === DTYPE.float) raw = new Uint8Array(Float32Array.from(data).buffer);
  else if (dataType === DTYPE.int64) raw = new Uint8Array(BigInt64Array.from(data, (v) => BigInt(v)).buffer);
  else if (dataType === DTYPE.int32) raw = new Uint8Array(Int32Array.from(data).buffer);
  else throw new Error(`onnx-writer: unsupported tensor data type ${dataType}`);
  w.bytes(9, raw);
}

// AttributeProto: name = 1, f = 2, i = 3, s = 4, floats = 7, ints = 8, strings = 9, type = 20.
// A JS number becomes INT when whole and FLOAT otherwise; wrap it as { float: x } to force FLOAT.
function writeAttribute(w, name, value) {
  w.string(1, name);
  if (typeof value === 'object' && value !== null && 'float' in value) {
    w.float(2, value.float);
    w.int(20, ATTR.FLOAT);
  } else if (typeof value === 'number') {
    if (Number.isInteger(value)) {
      w.int(3, value);
      w.int(20, ATTR.INT);
    } else {
      w.float(2, value);
      w.int(20, ATTR.FLOAT);
    }
  } else if (typeof value === 'string') {
    w.string(4, value);
    w.int(20, ATTR.STRING);
  } else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    for (const s of value) w.string(9, s);
    w.int(20, ATTR.STRINGS);
  } else if (Array.isArray(value) && value.every(Number.isInteger)) {
    for (const v of value) w.int(8, v);
    w.int(20, ATTR.INTS);
  } else if (Array.isArray(value)) {
    for (const v of value) w.float(7, v);
    w.int(20, ATTR.FLOATS);
  } else {
    throw new Error(`onnx-writer: attribute ${name} has an unsupported value ${JSON.stringify(value)}`);
  }
}

// ValueInfoProto: name = 1, type = 2 -> TypeProto.tensor_type = 1 -> elem_type = 1, shape = 2 ->
// TensorShapeProto.dim = 1 -> dim_value = 1.
function writeValueInfo(w, name, dims, elemType) {
  w.string(1, name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, elemType);
      tensor.message(2, (shape) => {
        for (const d of dims) shape.message(1, (dim) => dim.int(1, d));
      });
    }),
  );
}

export class OnnxGraph {
  constructor(name) {
    this.name = name;
    this.nodes = [];
    this.initializers = [];
    this.inputs = [];
    this.outputs = [];
    this.counter = 0;
  }

  input(name, dims, elemType = DTYPE.float) {
    this.inputs.push({ name, dims, elemType });
    return name;
  }

  output(name, dims, elemType = DTYPE.float) {
    this.outputs.push({ name, dims, elemType });
    return name;
  }

  /** A constant tensor of the graph; returns its name. */
  initializer(name, data, dims, dataType = DTYPE.float) {
    const size = dims.reduce((a, b) => a * b, 1);
    if (data.length !== size) throw new Error(`onnx-writer: initializer ${name} has ${data.length} values for dims [${dims}]`);
    this.initializers.push({ name, data, dims, dataType });
    return name;
  }

  /**
   * Adds a node; `outputs` is a name, a list of names ('' for an optional output left out) or a
   * count of fresh names. Returns the (first) output name, or the list when several.
   */
  node(opType, inputs, attributes = {}, outputs = 1) {
    const outs = typeof outputs === 'number'
      ? Array.from({ length: outputs }, () => `${opType.toLowerCase()}_${this.counter++}`)
      : Array.isArray(outputs) ? outputs : [outputs];
    this.nodes.push({ opType, inputs, outputs: outs, attributes, name: `${opType}_${this.nodes.length}` });
    return outs.length === 1 ? outs[0] : outs;
  }

  /** The serialized ModelProto (a .onnx file). */
  toModel({ opset = 17, irVersion = 8, producer = 'wasmgrad-bench' } = {}) {
    const m = new ProtoWriter();
    m.int(1, irVersion); // ir_version
    m.string(2, producer); // producer_name
    m.message(7, (g) => this.writeGraph(g)); // graph
    m.message(8, (o) => { // opset_import: domain = 1 (default ''), version = 2
      o.string(1, '');
      o.int(2, opset);
    });
    return m.finish();
  }

  // GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12.
  writeGraph(g) {
    for (const n of this.nodes) {
      g.message(1, (w) => { // NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5
        for (const i of n.inputs) w.string(1, i);
        for (const o of n.outputs) w.string(2, o);
        w.string(3, n.name);
        w.string(4, n.opType);
        for (const [k, v] of Object.entries(n.attributes)) w.message(5, (a) => writeAttribute(a, k, v));
      });
    }
    g.string(2, this.name);
    for (const t of this.initializers) g.message(5, (w) => writeTensor(w, t.name, t.data, t.dims, t.dataType));
    for (const v of this.inputs) g.message(11, (w) => writeValueInfo(w, v.name, v.dims, v.elemType));
    for (const v of this.outputs) g.message(12, (w) => writeValueInfo(w, v.name, v.dims, v.elemType));
  }
}
