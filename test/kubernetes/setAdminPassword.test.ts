// set-admin-password.py run by a real Python against stand-ins of the manager's modules (fixtures/fakeManagerRest).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const SETTER = path.resolve(__dirname, "../../components/kubernetes/hooks/set-admin-password.py");
const FAKES = path.join(__dirname, "fixtures/fakeManagerRest");
const hashOf = (password: string) => `sha256$${createHash("sha256").update(password).digest("hex")}`;

let dir: string;
let users: string;
let log: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "cmom-setter-"));
  users = path.join(dir, "users.json");
  log = path.join(dir, "calls.log");
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function storeUsers(table: Record<string, unknown>) {
  fs.writeFileSync(users, JSON.stringify(table));
}

function setPassword(password: string, username = "admin") {
  return spawnSync("python3", [SETTER, "--username", username], {
    input: password,
    encoding: "utf8",
    env: { ...process.env, PYTHONPATH: FAKES, FAKE_USERS: users, FAKE_LOG: log, PYTHONDONTWRITEBYTECODE: "1" },
  });
}

describe("set-admin-password.py", () => {
  it("sets a different password read from stdin, unlocks the user, and prints no secret", () => {
    storeUsers({ admin: { password: hashOf("old-Pa55"), active: false, failed_logins_counter: 5 } });
    const run = setPassword("new-Pa55-41d3");
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe("updated");
    expect(JSON.parse(fs.readFileSync(users, "utf8")).admin).toEqual({ password: hashOf("new-Pa55-41d3"), active: true, failed_logins_counter: 0 });
    expect(run.stdout + run.stderr).not.toContain("new-Pa55-41d3");
    expect(fs.readFileSync(log, "utf8").trim().split("\n")).toEqual([
      "load_from_file /opt/manager/cloudify-rest.conf None",
      "load_configuration",
      "setup_flask_app",
      "enter app context",
      "commit",
      "leave app context",
    ]);
  });

  it("writes nothing when the password is already current and the user unlocked", () => {
    storeUsers({ admin: { password: hashOf("same-Pa55"), active: true, failed_logins_counter: 0 } });
    const run = setPassword("same-Pa55");
    expect(run.stdout.trim()).toBe("unchanged");
    expect(fs.readFileSync(log, "utf8")).not.toContain("commit");
  });

  it("still unlocks a locked user whose password is already current", () => {
    storeUsers({ admin: { password: hashOf("same-Pa55"), active: true, failed_logins_counter: 4 } });
    expect(setPassword("same-Pa55").stdout.trim()).toBe("updated");
    expect(JSON.parse(fs.readFileSync(users, "utf8")).admin.failed_logins_counter).toBe(0);
  });

  it("fails clearly for an unknown user or an empty stdin", () => {
    storeUsers({ admin: { password: hashOf("x"), active: true, failed_logins_counter: 0 } });
    const unknown = setPassword("p", "ops");
    expect(unknown.status).toBe(1);
    expect(unknown.stderr.trim()).toBe("no user named ops on this manager");
    const empty = setPassword("");
    expect(empty.status).toBe(1);
    expect(empty.stderr.trim()).toBe("no password on stdin");
  });
});
