/**
 * The Pod Security admission labels of a namespace: enforce the level, and warn and audit at the same level so that a
 * pod the namespace would refuse is named before it is.
 */
export function podSecurityLabels(level: string): Record<string, string> {
  return {
    "pod-security.kubernetes.io/enforce": level,
    "pod-security.kubernetes.io/warn": level,
    "pod-security.kubernetes.io/audit": level,
  };
}
