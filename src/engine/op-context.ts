// Which op (and which layer, fit or predict around it) is running, so that an allocation failure
// deep inside can say where it happened. A stack of names and argument lists: pushing costs two
// array operations per op; the text is made only when an error needs it.

interface Frame {
  name: string;
  args?: readonly unknown[];
}

const frames: Frame[] = [];

/** Told when each op or step begins and ends (tf.profile's recorder); none by default. */
export interface FrameObserver {
  begin(name: string, args: readonly unknown[] | undefined): void;
  end(result: unknown, failed: boolean): void;
}
let observer: FrameObserver | null = null;

/** Sets the observer (null: none); returns the previous one, so observers nest. */
export function observeFrames(o: FrameObserver | null): FrameObserver | null {
  const previous = observer;
  observer = o;
  return previous;
}

/** Runs fn as op or step `name` (its arguments are shown in error messages). */
export function runAs<T>(name: string, args: readonly unknown[] | undefined, fn: () => T): T {
  frames.push({ name, args });
  const o = observer;
  let failed = true;
  let result: T | undefined;
  try {
    o?.begin(name, args);
    result = fn();
    failed = false;
    return result;
  } finally {
    frames.pop();
    o?.end(result, failed);
  }
}

function shapeOf(v: unknown): string | null {
  const s = (v as { shape?: unknown } | null)?.shape;
  if (v === null || typeof v !== 'object' || !Array.isArray(s)) return null;
  return `[${s.slice(0, 8).join(',')}${s.length > 8 ? ',...' : ''}]`;
}

function describeFrame(f: Frame): string {
  if (!f.args) return f.name;
  const shapes: string[] = [];
  for (const a of f.args) {
    const s = shapeOf(a);
    if (s) shapes.push(s);
    else if (Array.isArray(a)) for (const x of a.slice(0, 4)) {
      const t = shapeOf(x);
      if (t) shapes.push(t);
    }
  }
  return `${f.name}(${shapes.join(', ')})`;
}

/** "fit > dense_1 (Dense) > matMul([32,784], [784,10])", or '' outside any op. */
export function describeRunning(): string {
  return frames.map(describeFrame).join(' > ');
}
