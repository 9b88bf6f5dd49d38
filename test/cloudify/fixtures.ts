import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tar from "tar";

/** Small on-disk inputs for the Cloudify tests: wagons, plugin.yaml, blueprint folders, in one temp dir per test file. */
export class Fixtures {
  readonly dir = mkdtempSync(join(tmpdir(), "cloudify-fixtures-"));
  private counter = 0;

  /**
   * A wagon: tar.gz of `<name>/package.json` (+ a fake wheel, `filler` bytes long), for any platform unless `build` names
   * the platform and the distribution it was built on.
   */
  async wagon(packageName: string, version: string, filler = 1000, build?: { platform: string; distribution: string; release: string }): Promise<string> {
    const root = join(this.dir, `wagon-src-${++this.counter}`);
    const top = `${packageName}-${version}`;
    mkdirSync(join(root, top, "wheels"), { recursive: true });
    writeFileSync(join(root, top, "package.json"), JSON.stringify({
        package_name: packageName,
        package_version: version,
        supported_platform: build?.platform ?? "any",
        ...(build ? { build_server_os_properties: { distribution: build.distribution, distribution_release: build.release } } : {}),
        wheels: ["x.whl"],
      }));
    writeFileSync(join(root, top, "wheels", "x.whl"), Buffer.alloc(filler, this.counter));
    const file = join(this.dir, `${top}-py3-none-any-${this.counter}.wgn`);
    await tar.c({ gzip: true, cwd: root, file }, [top]);
    return file;
  }

  pluginYaml(packageName: string, extra = ""): string {
    const file = join(this.dir, `plugin-${++this.counter}.yaml`);
    writeFileSync(file, `plugins:\n  ${packageName}:\n    executor: central_deployment_agent\n    package_name: ${packageName}\n${extra}`);
    return file;
  }

  /** A blueprint folder with `blueprint.yaml` (and an imported file), parametrised by `body`. */
  blueprint(body = "", name = `bp${++this.counter}`): string {
    const folder = join(this.dir, name);
    mkdirSync(join(folder, "includes"), { recursive: true });
    writeFileSync(
      join(folder, "blueprint.yaml"),
      `tosca_definitions_version: cloudify_dsl_1_3\ndescription: test blueprint ${name}\nimports:\n  - includes/types.yaml\n${body}`,
    );
    writeFileSync(join(folder, "includes", "types.yaml"), "node_types: {}\n");
    return folder;
  }

  file(name: string, content: string | Buffer): string {
    const file = join(this.dir, name);
    writeFileSync(file, content);
    return file;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Client tuning for tests: short timeouts and backoff, same bounded logic. */
export const FAST_TUNING = { connectTimeoutMs: 2_000, readTimeoutMs: 10_000, maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 50, pollIntervalMs: 10 };
