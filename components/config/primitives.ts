import { isIPv4 } from "node:net";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/** Cloudify's rule for resource ids (blueprint, deployment, secret, snapshot, tenant): letter first, then [A-Za-z0-9_.-], ≤256 chars. */
export const CLOUDIFY_ID = /^[A-Za-z][A-Za-z0-9_.-]{0,255}$/;
export const cloudifyId = z.string().regex(CLOUDIFY_ID, "not a valid Cloudify id (letter first, then [A-Za-z0-9_.-], at most 256 chars)");

/**
 * Upper bounds on counts, so a typo (an extra zero) is refused instead of exhausting memory or building for hours.
 * Cloudify's HA clusters are small; a few thousand objects is far beyond what one stack should upload.
 */
export const MAX_NODES = 32;
export const MAX_ITEMS = 1000;
/** A day: no Cloudify workflow cmom waits for should take longer. */
export const MAX_TIMEOUT_SECONDS = 86_400;

export const visibility = z.enum(["private", "tenant", "global"]);

export const ipv4 = z.string().refine((value) => isIPv4(value), "not an IPv4 address");

export const ipv4Cidr = z.string().refine((value) => {
  const [address, prefix, ...rest] = value.split("/");
  return rest.length === 0 && isIPv4(address ?? "") && /^\d{1,2}$/.test(prefix ?? "") && Number(prefix) <= 32;
}, "not an IPv4 CIDR (a.b.c.d/n)");

const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, at most 253 characters. */
export function isHostname(value: string): boolean {
  return value.length <= 253 && value.split(".").every((label) => LABEL.test(label));
}
export const hostname = z.string().refine(isHostname, "not a valid host name (RFC 1123)");

export const nonEmpty = z.string().min(1, "must not be empty");

/**
 * Words a manager and the node tool print all the time. A password inside one of them (or shorter than 8 characters) cannot be
 * redacted from logs without masking those words everywhere, which also tells the reader what it is ("cloudify").
 */
const EVERYDAY_WORDS = ["cloudify", "manager", "default_tenant", "localhost", "administrator", "password", "installation",
  "configuration", "cluster", "snapshot", "execution", "services", "running"] as const;
export const redactableSecret = nonEmpty.min(8, "at least 8 characters (a shorter one cannot be told apart in logs)")
  .refine((value) => !EVERYDAY_WORDS.some((word) => word.includes(value.toLowerCase())),
    "is part of a word Cloudify prints all the time (its redaction would mask that word in every log)");

export const pemCertificate = z.string().regex(/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/, "not a PEM certificate");

/**
 * Example stacks carry secrets as clearly marked placeholders so that `npm run plan` works on a fresh clone.
 * Previews accept them; a real `pulumi up` refuses them (see loadStackConfig).
 */
export const PLACEHOLDER = /^\[placeholder\b[^\]]*\]$/;

export const SECRET_MARK = "[secret value]";

/** Options the loader passes to the schema through zod's context-free closure. */
export interface SecretPolicy {
  /** True when a placeholder value may stand in for a secret (offline plan, preview). */
  readonly allowPlaceholders: boolean;
  /**
   * Marks every real (non-placeholder) secret value with an issue whose message is SECRET_MARK: the loader learns the key path of
   * each secret that way and insists that each was set with --secret.
   */
  readonly markSecrets: boolean;
}

/**
 * A secret string: validated as plain text, then wrapped with `pulumi.secret` so it stays a secret in every resource that uses it.
 * `check` validates the plain value (e.g. PEM shape) unless it is an accepted placeholder.
 */
export function secretString(policy: SecretPolicy, check: z.ZodString = nonEmpty) {
  return z.string().superRefine((value, ctx) => {
    if (PLACEHOLDER.test(value)) {
      if (!policy.allowPlaceholders) {
        ctx.addIssue({ code: "custom", message: "still the example placeholder: set it with `pulumi config set --secret --path …`" });
      }
      return;
    }
    if (policy.markSecrets) ctx.addIssue({ code: "custom", message: SECRET_MARK });
    const result = check.safeParse(value);
    if (!result.success) ctx.addIssue({ code: "custom", message: result.error.issues[0]?.message ?? "invalid" });
  }).transform((value) => pulumi.secret(value));
}

export const pemPrivateKey = z.string().regex(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+-----END [A-Z ]*PRIVATE KEY-----/, "not a PEM private key");

/** True for `scheme://…`: a URL rather than a local path. */
export const isUrl = (value: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
