/** What a filter reports: whether the event passes, and an error when evaluation itself failed. */
export interface FilterResult {
  pass: boolean;
  error?: string;
}

export const passed: FilterResult = { pass: true };
export const failed: FilterResult = { pass: false };
export const errored = (error: string): FilterResult => ({ pass: false, error });
