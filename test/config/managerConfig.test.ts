import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { exampleNamespaces } from "../support/exampleStacks";
import { parse, problems } from "../support/parseConfig";

type Mutable = Record<string, any>;

/** The `manager` example with a real password (set with --secret), changed by `edit`. */
function managerStack(edit: (ns: Mutable) => void = () => undefined): Mutable {
  const ns = structuredClone(exampleNamespaces("manager")) as Mutable;
  ns.manager.password = "a-real-admin-password";
  edit(ns);
  return ns;
}

const valueOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

describe("cmom:manager (a manager that runs already)", () => {
  it("accepts the example, with endpoints as base URLs and the admin user by default", async () => {
    expect(problems(exampleNamespaces("manager"))).toEqual([]);
    const config = parse<"manager">(managerStack((ns) => {
      ns.manager.endpoints = ["https://10.0.0.5:8443/", "https://[2001:db8::5]"];
      delete ns.manager.username;
    }));
    expect(config.platform).toBe("manager");
    expect(config.manager!.endpoints).toEqual(["https://10.0.0.5:8443", "https://[2001:db8::5]"]);
    expect(config.manager!.username).toBe("admin");
    expect(config.manager!.caCert).toBeUndefined();
    expect(await pulumi.isSecret(config.manager!.password)).toBe(true);
    expect(await valueOf(config.manager!.password)).toBe("a-real-admin-password");
  });

  it.each([
    ["plain http", (ns: Mutable) => { ns.manager.endpoints = ["http://10.0.0.5"]; }, "cmom:manager.endpoints[0]: expected an https:// URL, found scheme http"],
    ["not a URL", (ns: Mutable) => { ns.manager.endpoints = ["10.0.0.5"]; }, 'cmom:manager.endpoints[0]: expected an https:// URL, found "10.0.0.5"'],
    ["a path", (ns: Mutable) => { ns.manager.endpoints = ["https://10.0.0.5/api/v3.1"]; }, 'cmom:manager.endpoints[0]: expected a base URL (https://host[:port]), found path "/api/v3.1"'],
    ["credentials in the URL", (ns: Mutable) => { ns.manager.endpoints = ["https://admin:pw@10.0.0.5"]; }, "cmom:manager.endpoints[0]: credentials do not belong in the URL: set cmom:manager.username and cmom:manager.password"],
    ["no endpoint", (ns: Mutable) => { ns.manager.endpoints = []; }, "cmom:manager.endpoints: list at least one endpoint"],
    ["an endpoint twice", (ns: Mutable) => { ns.manager.endpoints = ["https://a.example.com", "https://a.example.com/"]; }, "cmom:manager.endpoints: an endpoint is listed twice"],
    ["a CA that is not PEM", (ns: Mutable) => { ns.manager.caCert = "not a certificate"; }, "cmom:manager.caCert: not a PEM certificate"],
    ["no password", (ns: Mutable) => { delete ns.manager.password; }, /^cmom:manager\.password: /],
    ["an unknown key", (ns: Mutable) => { ns.manager.tenant = "ops"; }, /^cmom:manager\.tenant: unknown key/],
    ["namespaces of another platform", (ns: Mutable) => { ns.fleet = { stacks: ["pool"] }; }, "cmom:fleet: only used when cmom:platform is fleet"],
    ["no cmom:manager", (ns: Mutable) => { delete ns.manager; }, "cmom:manager: required when cmom:platform is manager"],
  ])("refuses %s, naming the key", (_case, edit, expected) => {
    const found = problems(managerStack(edit));
    if (typeof expected === "string") expect(found).toContain(expected);
    else expect(found.some((p) => expected.test(p)), found.join("\n")).toBe(true);
  });

  it("refuses the password in plain text and the placeholder in a real update", () => {
    expect(problems(managerStack(), { plainKeys: ["platform", "manager"] })).toEqual([
      "cmom:manager.password: a secret in plain text; set it with `pulumi config set --secret --path 'manager.password' < file`",
    ]);
    expect(problems(exampleNamespaces("manager"), { allowPlaceholders: false })).toContain(
      "cmom:manager.password: still the example placeholder: set it with `pulumi config set --secret --path …`",
    );
  });
});
