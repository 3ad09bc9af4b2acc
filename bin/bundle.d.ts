/** Types of bin/bundle.js (plain JavaScript, so that bin/outrigger.js runs without a loader). */
export declare const packageRoot: string;
export declare const cacheDir: string;
export declare function bundled(
  entry: string,
  name: string,
  options?: { root?: string; into?: string },
): Promise<string>;
