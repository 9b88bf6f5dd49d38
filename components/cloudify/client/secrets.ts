import { isNotFound } from "./errors";
import type { ManagerApi } from "./manager";
import { objectPath } from "./paths";
import type { CloudifyRest } from "./rest";
import type { Secret, Visibility } from "./types";
import { requireCapability } from "./versions";

export interface SecretFields {
  readonly value: string;
  readonly visibility: Visibility;
  readonly isHiddenValue: boolean;
}

/** `/secrets` of the connection's tenant. */
export class SecretsApi {
  constructor(
    private readonly rest: CloudifyRest,
    private readonly manager: ManagerApi,
  ) {}

  /**
   * Creates a secret (never overwrites: an existing key answers 409 `conflict_error`). The manager answers 200, not 201.
   * A hidden value on a manager without hidden values is refused before anything is sent.
   */
  async create(key: string, fields: SecretFields): Promise<Secret> {
    if (fields.isHiddenValue) requireCapability(await this.manager.profile(), "hiddenSecretValues", "hidden secret values (isHiddenValue)");
    return this.rest.call<Secret>({
      method: "PUT",
      path: objectPath("secrets", key),
      json: { value: fields.value, update_if_exists: false, visibility: fields.visibility, is_hidden_value: fields.isHiddenValue },
      expect: [200],
    });
  }

  async get(key: string): Promise<Secret | undefined> {
    try {
      return await this.rest.call<Secret>({ method: "GET", path: objectPath("secrets", key), expect: [200] });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Changes only the given fields (the manager refuses an empty change with 400 `illegal_action_error`). Where PATCH takes
   * only the value, a new visibility goes through `set-visibility`; the manager refuses a narrower one (400).
   */
  async update(key: string, change: Partial<SecretFields>): Promise<Secret> {
    const profile = await this.manager.profile();
    if (profile.secretPatch === "fields") {
      const json: Record<string, unknown> = {};
      if (change.value !== undefined) json.value = change.value;
      if (change.visibility !== undefined) json.visibility = change.visibility;
      if (change.isHiddenValue !== undefined) json.is_hidden_value = change.isHiddenValue;
      return this.rest.call<Secret>({ method: "PATCH", path: objectPath("secrets", key), json, expect: [200] });
    }
    if (change.isHiddenValue !== undefined) requireCapability(profile, "hiddenSecretValues", "hidden secret values (isHiddenValue)");
    let secret: Secret | undefined;
    if (change.visibility !== undefined) {
      secret = await this.rest.call<Secret>({ method: "PATCH", path: objectPath("secrets", key, "set-visibility"), json: { visibility: change.visibility }, expect: [200] });
    }
    if (change.value !== undefined) {
      secret = await this.rest.call<Secret>({ method: "PATCH", path: objectPath("secrets", key), json: { value: change.value }, expect: [200] });
    }
    if (secret === undefined) throw new Error(`Cloudify secret ${key}: an update needs at least one field to change`);
    return secret;
  }

  /** Deletes a secret; false when it did not exist. */
  async delete(key: string): Promise<boolean> {
    try {
      await this.rest.call({ method: "DELETE", path: objectPath("secrets", key), expect: [200, 204] });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }
}
