// The start hooks run for real in a sandbox: bash, sha256sum and the scripts as shipped, with recording fakes for the
// manager's REST service (curl), the manager's Python and sleep.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { eventually, HOOKS_DIR, HookSandbox } from "./fixtures/hookSandbox";
import { seedAndLinkScriptPath } from "../../components/kubernetes/persistence/layout";

const PASSWORD = "adm1n-Pa55-7c1f0e";
let sandbox: HookSandbox;
afterEach(() => sandbox?.remove());

function fresh(password = PASSWORD): HookSandbox {
  sandbox = new HookSandbox();
  sandbox.setPassword(password);
  return sandbox;
}

/** No argv of any program the hooks ran, and nothing they printed, holds the password. */
function expectNoLeak(box: HookSandbox, output: string, password = PASSWORD) {
  for (const call of box.calls()) expect(call.includes(password), call).toBe(false);
  expect(output.includes(password)).toBe(false);
}

describe("apply-admin-password.sh", () => {
  it("waits for the REST service, sets the password on stdin, proves it by logging in, and leaks it nowhere", () => {
    const box = fresh();
    box.set({ "ok-after": "3" });
    const run = box.run("apply-admin-password.sh");
    expect(run.status, run.stderr).toBe(0);
    expect(box.get("stored-password")).toBe(PASSWORD);
    expect(run.stdout).toContain("cmom-admin-password: admin password of admin is current (updated)");
    const calls = box.calls();
    expect(calls.filter((c) => c.endsWith("/api/v3.1/ok"))).toHaveLength(4);
    expect(calls.filter((c) => c.startsWith("sleep "))).toEqual(["sleep 2", "sleep 4", "sleep 8"]);
    expect(calls).toContain(`manager-python ${path.join(HOOKS_DIR, "set-admin-password.py")} --username admin`);
    expect(calls.at(-1)).toBe("curl --silent --fail --output /dev/null --max-time 10 --config - http://127.0.0.1/api/v3.1/users/admin");
    expectNoLeak(box, run.stdout + run.stderr);
  });

  it("changes nothing on a later start when the password is already current (idempotent)", () => {
    const box = fresh();
    expect(box.run("apply-admin-password.sh").status).toBe(0);
    const again = box.run("apply-admin-password.sh");
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain("is current (unchanged)");
    expect(box.get("stored-password")).toBe(PASSWORD);
  });

  it("hands the user name and passwords with quotes, backslashes and shell metacharacters through intact", () => {
    const tricky = `pa"ss\\wo|rd&$(id) 'x'`;
    const box = fresh(tricky);
    const run = box.run("apply-admin-password.sh", [], { CMOM_ADMIN_USERNAME: "ops.admin" });
    expect(run.status, run.stderr).toBe(0);
    expect(box.get("stored-password")).toBe(tricky);
    expect(box.calls().at(-1)).toMatch(/\/api\/v3\.1\/users\/ops\.admin$/);
    expectNoLeak(box, run.stdout + run.stderr, tricky);
  });

  it("retries a failing setter with doubling pauses and then succeeds", () => {
    const box = fresh();
    box.set({ "setter-failures": "2" });
    const run = box.run("apply-admin-password.sh");
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("setting the password failed: OperationalError: could not connect to server");
    expect(box.calls().filter((c) => c.startsWith("sleep "))).toEqual(["sleep 2", "sleep 4"]);
    expect(box.get("stored-password")).toBe(PASSWORD);
  });

  it("gives up after the bounded attempts when logging in with the new password keeps failing", () => {
    const box = fresh();
    box.set({ "setter-ignores": "" });
    const run = box.run("apply-admin-password.sh", [], { CMOM_APPLY_ATTEMPTS: "3" });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("the password was set (updated) but logging in as admin with it failed");
    expect(run.stdout).toContain("gave up after 3 attempts to set the admin password of admin");
    expect(run.stderr.trim()).toBe("cmom-admin-password: error: the admin password was not applied at start");
    expect(box.calls().filter((c) => c.startsWith("manager-python"))).toHaveLength(3);
  });

  it("stops waiting when the startup budget is spent, with a clear message", () => {
    const box = fresh();
    box.set({ "ok-after": "1000000" });
    const started = Date.now();
    const run = box.run("apply-admin-password.sh", [], { CMOM_STARTUP_BUDGET: "1" });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("did not answer http://127.0.0.1/api/v3.1/ok with 200 within 1s");
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(box.calls().some((c) => c.startsWith("manager-python"))).toBe(false);
    // The pauses double up to 30 s and no further.
    expect(box.calls().filter((c) => c.startsWith("sleep ")).every((c) => Number(c.slice(6)) <= 30)).toBe(true);
  });

  it("refuses an empty or missing password file and bad settings, naming them", () => {
    const box = fresh("");
    const empty = box.run("apply-admin-password.sh");
    expect(empty.status).toBe(1);
    expect(empty.stdout).toContain(`${box.passwordFile} is empty`);
    fs.rmSync(box.passwordFile);
    expect(box.run("apply-admin-password.sh").stdout).toContain(`cannot read ${box.passwordFile} (is the Secret mounted?)`);
    const unset = box.run("apply-admin-password.sh", [], { CMOM_ADMIN_PASSWORD_FILE: "" });
    expect(unset.stderr.trim()).toBe("cmom-admin-password: error: CMOM_ADMIN_PASSWORD_FILE is not set");
    const poll = box.run("apply-admin-password.sh", [], { CMOM_ADMIN_PASSWORD_POLL: "soon" });
    expect(poll.stderr).toContain("CMOM_ADMIN_PASSWORD_POLL must be whole seconds, got 'soon'");
    const budget = box.run("apply-admin-password.sh", [], { CMOM_STARTUP_BUDGET: "-1" });
    expect(budget.stderr).toContain("CMOM_STARTUP_BUDGET must be whole seconds, got '-1'");
    const attempts = box.run("apply-admin-password.sh", [], { CMOM_APPLY_ATTEMPTS: "0" });
    expect(attempts.stderr).toContain("CMOM_APPLY_ATTEMPTS must be a positive whole number, got '0'");
    const user = box.run("apply-admin-password.sh", [], { CMOM_ADMIN_USERNAME: "root;reboot" });
    expect(user.stderr).toContain("CMOM_ADMIN_USERNAME 'root;reboot' is not a Cloudify user name");
  });

  it("applies a rotated Secret while the manager runs, without a restart", async () => {
    const box = fresh();
    const keeper = box.start("apply-admin-password.sh", { CMOM_ADMIN_PASSWORD_POLL: "1" });
    try {
      expect(await eventually(() => box.get("stored-password") === PASSWORD)).toBe(true);
      box.setPassword("r0tated-Pa55-2b8d");
      expect(await eventually(() => box.get("stored-password") === "r0tated-Pa55-2b8d"), keeper.output()).toBe(true);
      expect(await eventually(() => keeper.output().includes("the Secret changed; applying the new admin password"))).toBe(true);
      expectNoLeak(box, keeper.output(), "r0tated-Pa55-2b8d");
    } finally {
      keeper.stop();
    }
  });
});

describe("start-manager.sh", () => {
  it("becomes the image's command (same PID, fd 3 open) and starts the keeper beside it", async () => {
    const box = fresh();
    const marker = path.join(box.root, "init.txt");
    const init = `echo "$$" >${marker}; ls /proc/$$/fd/3 >/dev/null && echo fd3 >>${marker}; sleep 0`;
    const volume = path.join(box.root, "volume");
    const image = path.join(box.root, "image");
    fs.mkdirSync(path.join(image, "var/lib/data"), { recursive: true });
    fs.mkdirSync(volume);
    const env = box.env({
      CMOM_SEED_AND_LINK: seedAndLinkScriptPath, CMOM_PERSIST_ROOT: image, CMOM_PERSIST_MOUNT: volume, CMOM_PERSIST_CHECK_MOUNTPOINT: "0",
      CMOM_PERSIST_PATHS: "/var/lib/data", CMOM_IMAGE_VERSION: "7.0.0", CMOM_COMMIT_START: "1",
    });
    const run = spawnSync("bash", [path.join(HOOKS_DIR, "start-manager.sh"), "--", "bash", "-c", init], { env, encoding: "utf8", timeout: 30_000 });
    expect(run.status, run.stderr).toBe(0);
    // The volume was linked before the image's command ran, and the keeper commits the start once the manager answers.
    expect(fs.readlinkSync(path.join(image, "var/lib/data"))).toBe(path.join(volume, "cmom/data/var/lib/data"));
    expect(await eventually(() => fs.existsSync(path.join(volume, "cmom/VERSION")))).toBe(true);
    expect(fs.existsSync(path.join(volume, "cmom/ATTEMPT"))).toBe(false);
    const [pid, fd3] = fs.readFileSync(marker, "utf8").trim().split("\n");
    expect(Number(pid)).toBe(run.pid);
    expect(fd3).toBe("fd3");
    expect(await eventually(() => box.get("stored-password") === PASSWORD)).toBe(true);
  });

  it("refuses to start without `-- COMMAND`", () => {
    const box = fresh();
    for (const args of [[], ["/sbin/init"], ["--"]]) {
      const run = spawnSync("bash", [path.join(HOOKS_DIR, "start-manager.sh"), ...args], { env: box.env(), encoding: "utf8" });
      expect(run.status).toBe(2);
      expect(run.stderr).toContain("usage: start-manager.sh -- IMAGE_COMMAND");
    }
  });
});
