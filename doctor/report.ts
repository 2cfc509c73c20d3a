/** The doctor's report as text (one line per check, then a summary) or as JSON. */
import type { CheckStatus, DoctorReport } from "./doctor";

function summarize(report: DoctorReport) {
  const count = (status: CheckStatus) => report.checks.filter((c) => c.status === status).length;
  return { passed: count("pass"), failed: count("fail"), skipped: count("skip") };
}

export function formatText(report: DoctorReport): string {
  const s = summarize(report);
  const lines = report.checks.map((c) => `${c.status.toUpperCase().padEnd(4)}  ${c.message}`);
  const counts = `${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`;
  lines.push(
    report.stopped
      ? `doctor: FAILED, stopped at the failure above: nothing else can be checked without it (${counts})`
      : `doctor: ${report.ok ? "all checks passed" : "FAILED"} (${counts})`,
  );
  return `${lines.join("\n")}\n`;
}

export function formatJson(report: DoctorReport): string {
  // JSON.stringify leaves `stopped` out when it is not set.
  return `${JSON.stringify({ ok: report.ok, summary: summarize(report), stopped: report.stopped, checks: report.checks }, null, 2)}\n`;
}
