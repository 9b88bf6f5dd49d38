import type { core } from "@pulumi/kubernetes/types/input";
import { SCRIPTS_DIR } from "./mountPaths";
import { SCRIPTS } from "./scriptFiles";

type Probe = core.v1.Probe;

const STARTUP_PERIOD_SECONDS = 10;

/**
 * Health checks of the manager container, all through health-check.sh, which asks the REST service the image row's
 * health request (an httpGet cannot: before 6.0 the only anonymous answer of the REST service is a 401). The startup
 * probe alone covers a slow first boot (failureThreshold × period = the startup budget, rounded up); liveness starts
 * only after it and is lenient (5 minutes of failures); readiness gates traffic.
 */
export function managerProbes(startupBudgetSeconds: number): { startupProbe: Probe; readinessProbe: Probe; livenessProbe: Probe } {
  const exec = { command: ["/bin/bash", `${SCRIPTS_DIR}/${SCRIPTS.healthCheck}`] };
  return {
    startupProbe: { exec, periodSeconds: STARTUP_PERIOD_SECONDS, timeoutSeconds: 15, failureThreshold: Math.ceil(startupBudgetSeconds / STARTUP_PERIOD_SECONDS) },
    readinessProbe: { exec, periodSeconds: 10, timeoutSeconds: 15, failureThreshold: 3 },
    livenessProbe: { exec, periodSeconds: 30, timeoutSeconds: 15, failureThreshold: 10 },
  };
}
