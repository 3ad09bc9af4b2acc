/**
 * A reduced fault run inside `npm test`: 80 deliveries on JetStream and 120 on SQS, one outage each, 20% failed Job creates,
 * one hung create on JetStream (it costs the kube client's 10 s timeout), two runners on SQS.
 */
import { describe, expect, it } from 'vitest';
import { requireNatsServer } from '../support/nats-server.ts';
import { formatReport, runFaults } from './harness.ts';

describe('a reduced fault run', () => {
  it.runIf(requireNatsServer())(
    'creates exactly one Job per delivery answered 2xx over JetStream across a nats-server restart',
    async () => {
      // Prepare / Act
      const report = await runFaults({
        bus: 'jetstream',
        deliveries: 80,
        restarts: 1,
        hangs: 1,
        deadlineMs: 20_000,
      });
      console.log(formatReport(report));

      // Assess
      expect(report.answered2xx).toBe(80);
      expect(report.lost).toEqual([]);
      expect(report.duplicated).toEqual([]);
      expect(report.strays).toEqual([]);
      expect(report.jobs).toBe(80);
      expect(report.restarts).toBe(1);
      expect(report.injected.failed).toBeGreaterThan(0);
    },
    60_000,
  );

  it('creates exactly one Job per delivery answered 2xx over SQS with two runners across a fauxqs restart', async () => {
    // Prepare / Act
    const report = await runFaults({
      bus: 'sqs',
      deliveries: 120,
      restarts: 1,
      hangs: 0,
      runners: 2,
      outageMs: 1_000,
      deadlineMs: 20_000,
    });
    console.log(formatReport(report));

    // Assess
    expect(report.answered2xx).toBe(120);
    expect(report.lost).toEqual([]);
    expect(report.duplicated).toEqual([]);
    expect(report.strays).toEqual([]);
    expect(report.jobs).toBe(120);
    expect(report.injected.failed).toBeGreaterThan(0);
  }, 60_000);
});
