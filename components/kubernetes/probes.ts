import type { core } from "@pulumi/kubernetes/types/input";

type Probe = core.v1.Probe;

const STARTUP_PERIOD_SECONDS = 10;

/**
 * Health checks of the manager container (failure #9 of kubernetes-persistence.md): the startup probe alone covers a slow
 * first boot (failureThreshold × period = the startup budget, rounded up); liveness starts only after it and is lenient
 * (5 minutes of failures); readiness gates traffic on the console, which comes up last.
 */
export function managerProbes(startupBudgetSeconds: number, port: string): { startupProbe: Probe; readinessProbe: Probe; livenessProbe: Probe } {
  return {
    startupProbe: {
      httpGet: { path: "/api/v3.1/ok", port },
      periodSeconds: STARTUP_PERIOD_SECONDS,
      timeoutSeconds: 5,
      failureThreshold: Math.ceil(startupBudgetSeconds / STARTUP_PERIOD_SECONDS),
    },
    readinessProbe: { httpGet: { path: "/console", port }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
    livenessProbe: { httpGet: { path: "/api/v3.1/ok", port }, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 10 },
  };
}
