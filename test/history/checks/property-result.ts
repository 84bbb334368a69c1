/** One anomaly: what it is, the operations that show it (history indexes), and why it is one. */
export interface Anomaly {
  kind: string;
  key?: string;
  ops: number[];
  explanation: string;
}

/**
 * One property's verdict. `unknown`: no anomaly found, but part of the check could not finish (the
 * search ran out of budget), which is not a pass.
 */
export interface PropertyResult {
  name: string;
  title: string;
  status: 'pass' | 'fail' | 'unknown';
  /** What was checked, in a few words ("12 tasks, 340 operations"). */
  checked: string;
  anomalies: Anomaly[];
  notes: string[];
}

export function result(name: string, title: string, checked: string, anomalies: Anomaly[], notes: string[] = [], unknown = false): PropertyResult {
  return { name, title, status: anomalies.length > 0 ? 'fail' : unknown ? 'unknown' : 'pass', checked, anomalies, notes };
}
