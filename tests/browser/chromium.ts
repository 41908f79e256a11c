// Launches the system's Chromium (Debian's package, installed by the project's test setup) headless
// through playwright-core (which gives it a fresh, empty profile). A missing browser is a failure, never a skip.
import { chromium, type Browser } from 'playwright-core';
import { existsSync } from 'node:fs';
import { join, delimiter } from 'node:path';

export function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return fromEnv;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      const p = join(dir, name);
      if (existsSync(p)) return p;
    }
  }
  throw new Error('Chromium was not found on PATH (set CHROMIUM_PATH, or install the chromium package)');
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
    ],
  });
}
