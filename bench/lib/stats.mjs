/** Small statistics for noisy timings: the median is what the bench reports. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarize(samples) {
  if (samples.failed) return { n: 0, medianMs: Number.NaN, failed: samples.failed };
  const ms = samples.map((s) => s.ms);
  const rss = samples.map((s) => s.rssKb).filter((v) => v !== undefined);
  const cpu = samples.map((s) => s.cpuMs).filter((v) => v !== undefined);
  return {
    n: ms.length,
    medianMs: median(ms),
    minMs: Math.min(...ms),
    maxMs: Math.max(...ms),
    peakRssMb: rss.length ? Math.max(...rss) / 1024 : undefined,
    medianCpuMs: cpu.length ? median(cpu) : undefined,
  };
}
