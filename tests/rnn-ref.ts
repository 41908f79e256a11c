// A plain float64 step-by-step reference of the recurrent layers (Keras semantics), for the tests.
export type CellKind = 'lstm' | 'gru' | 'gruResetBefore' | 'simple';
export type ActName = 'tanh' | 'sigmoid' | 'relu' | 'linear' | 'hardSigmoid';

export interface RefOptions {
  goBackwards?: boolean;
  returnSequences?: boolean;
  reverseOutput?: boolean;
  /** [B, T] batch-major, 0 = padded step */
  mask?: ArrayLike<number> | null;
  zeroOutputForMask?: boolean;
  /** [B, u] recurrent dropout mask */
  recurrentMask?: ArrayLike<number> | null;
  activation?: ActName;
  recurrentActivation?: ActName;
}

const ACT: Record<ActName, (x: number) => number> = {
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  relu: (x) => Math.max(0, x),
  linear: (x) => x,
  hardSigmoid: (x) => Math.min(1, Math.max(0, 0.2 * x + 0.5)),
};

export const GATES: Record<CellKind, number> = { lstm: 4, gru: 3, gruResetBefore: 3, simple: 1 };

/**
 * x [B, T, I], W [I, G], U [u, G], b [G] (gru: [2, G]) or null, h0/c0 [B, u] or null.
 * Returns y ([B, T, u] or [B, u]), hT, cT (LSTM) as flat float64 arrays.
 */
export function refRnn(
  cell: CellKind, B: number, T: number, I: number, u: number,
  x: ArrayLike<number>, W: ArrayLike<number>, U: ArrayLike<number>, b: ArrayLike<number> | null,
  h0: ArrayLike<number> | null, c0: ArrayLike<number> | null, o: RefOptions = {},
): { y: Float64Array; h: Float64Array; c: Float64Array | null } {
  const G = GATES[cell] * u;
  const A = ACT[o.activation ?? 'tanh'], RA = ACT[o.recurrentActivation ?? 'sigmoid'];
  let h = h0 ? Float64Array.from(h0) : new Float64Array(B * u);
  let c = cell === 'lstm' ? (c0 ? Float64Array.from(c0) : new Float64Array(B * u)) : null;
  let prevOut = new Float64Array(B * u);
  const outs: Float64Array[] = [];
  const bias = (row: number, g: number) => (b ? b[row * G + g] : 0);
  for (let s = 0; s < T; s++) {
    const t = o.goBackwards ? T - 1 - s : s;
    const nh = new Float64Array(B * u), nc = c ? new Float64Array(B * u) : null, out = new Float64Array(B * u);
    for (let bi = 0; bi < B; bi++) {
      const m = o.mask ? o.mask[bi * T + t] : 1;
      const hp = Array.from({ length: u }, (_, j) => h[bi * u + j]);
      if (!m) {
        for (let j = 0; j < u; j++) {
          nh[bi * u + j] = hp[j];
          if (nc) nc[bi * u + j] = c![bi * u + j];
          out[bi * u + j] = o.zeroOutputForMask ? 0 : prevOut[bi * u + j];
        }
        continue;
      }
      const hd = hp.map((v, j) => v * (o.recurrentMask ? o.recurrentMask[bi * u + j] : 1));
      const xv = Array.from({ length: I }, (_, i) => x[(bi * T + t) * I + i]);
      // pre-activations of the whole row: x W (+ b_in) and hd U (+ b_rec), each gate column once
      const xW = new Float64Array(G), hU = new Float64Array(G);
      for (let g = 0; g < G; g++) {
        let a = 0;
        for (let i = 0; i < I; i++) a += xv[i] * W[i * G + g];
        xW[g] = a;
        let r = 0;
        for (let k = 0; k < u; k++) r += hd[k] * U[k * G + g];
        hU[g] = r;
      }
      // reset-before GRU: rh = r * hd, then its product with U_h
      let rhU: Float64Array | null = null;
      if (cell === 'gruResetBefore') {
        const rh = hd.map((v, k) => RA(xW[u + k] + bias(0, u + k) + hU[u + k]) * v);
        rhU = new Float64Array(u);
        for (let j = 0; j < u; j++) {
          let a = 0;
          for (let k = 0; k < u; k++) a += rh[k] * U[k * G + 2 * u + j];
          rhU[j] = a;
        }
      }
      for (let j = 0; j < u; j++) {
        let hn: number;
        if (cell === 'lstm') {
          const z = (q: number) => xW[q * u + j] + hU[q * u + j] + bias(0, q * u + j);
          const ig = RA(z(0)), fg = RA(z(1)), gg = A(z(2)), og = RA(z(3));
          const cn = fg * c![bi * u + j] + ig * gg;
          nc![bi * u + j] = cn;
          hn = og * A(cn);
        } else if (cell === 'gru') {
          const xp = (q: number) => xW[q * u + j] + bias(0, q * u + j);
          const rec = (q: number) => hU[q * u + j] + bias(1, q * u + j);
          const z = RA(xp(0) + rec(0)), r = RA(xp(1) + rec(1));
          const hh = A(xp(2) + r * rec(2));
          hn = z * hd[j] + (1 - z) * hh;
        } else if (cell === 'gruResetBefore') {
          const z = RA(xW[j] + bias(0, j) + hU[j]);
          const hh = A(xW[2 * u + j] + bias(0, 2 * u + j) + rhU![j]);
          hn = z * hd[j] + (1 - z) * hh;
        } else {
          hn = A(xW[j] + hU[j] + bias(0, j));
        }
        nh[bi * u + j] = hn;
        out[bi * u + j] = hn;
      }
    }
    h = nh;
    if (c) c = nc;
    prevOut = out;
    outs.push(out);
  }
  let y: Float64Array;
  if (o.returnSequences) {
    y = new Float64Array(B * T * u);
    for (let s = 0; s < T; s++) {
      const tOut = o.reverseOutput ? T - 1 - s : s;
      for (let bi = 0; bi < B; bi++) for (let j = 0; j < u; j++) y[(bi * T + tOut) * u + j] = outs[s][bi * u + j];
    }
  } else {
    y = outs[T - 1];
  }
  return { y, h, c };
}
