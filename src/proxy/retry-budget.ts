/**
 * Envoy's retry budget: retries in flight may be at most `percent` of the requests in flight, with a floor
 * of `minConcurrent`, so a sick region cannot turn every request into `tries` requests (retry storms).
 */
export class RetryBudget {
  activeRequests = 0;
  activeRetries = 0;
  private percent: number;
  private minConcurrent: number;

  constructor(percent: number, minConcurrent: number) {
    this.percent = percent;
    this.minConcurrent = minConcurrent;
  }

  configure(percent: number, minConcurrent: number): void {
    this.percent = percent;
    this.minConcurrent = minConcurrent;
  }

  allowsRetry(): boolean {
    return this.activeRetries < Math.max(this.minConcurrent, (this.activeRequests * this.percent) / 100);
  }
}
