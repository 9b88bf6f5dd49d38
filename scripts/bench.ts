/**
 * Benchmarks of the Cloudify REST client against the HTTPS test double, and of the offline plan, one JSON line
 * {"name","value","unit"} per figure on stdout (progress on stderr).
 *
 *   npm run bench                   # every benchmark
 *   npm run bench -- upload-1gib    # only the named ones (plan-pool, upload-1gib, download-1gib)
 *
 * The double runs in a child process, so the memory measured is the client's alone. To add a benchmark (e.g. a
 * snapshot download), append a `Benchmark` to BENCHMARKS: its `run` gets a BenchContext with the double's address and
 * CA, a client, a private scratch dir, sparse test files, a measuring wrapper (time and peak RSS growth) and curl with
 * the same credentials, and returns its metrics. MB are 10^6 bytes.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { CloudifyClient, type CloudifyConnection } from "../components/cloudify/client";
import { downloadSnapshot } from "../components/cloudify/day2/snapshot-download";

interface Metric {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
}

interface Measured<T> {
  readonly result: T;
  readonly seconds: number;
  /** Highest RSS seen during `work` minus RSS just before it. */
  readonly peakRssGrowthBytes: number;
  /** CPU time (user + system, every thread of this process) spent during `work`: unlike the throughput, barely moved by load. */
  readonly cpuSeconds: number;
}

interface BenchContext {
  readonly connection: CloudifyConnection;
  readonly client: CloudifyClient;
  /** API base of the double's first node, e.g. https://127.0.0.1:PORT/api/v3.1 */
  readonly apiBase: string;
  /** Private directory, removed after the run. */
  readonly scratch: string;
  /** Private directory in RAM (/dev/shm) when there is one, else in scratch: downloads land there, away from disk writeback. */
  readonly ramScratch: string;
  /** A sparse file of `bytes` zero bytes in the scratch dir (no disk blocks, no page-cache pressure). */
  sparseFile(name: string, bytes: number): Promise<string>;
  measure<T>(work: () => Promise<T>): Promise<Measured<T>>;
  /**
   * Runs curl against the double with its CA, credentials and Tenant header given on stdin (never on the command line);
   * the response body goes to `outputFile` (default /dev/null).
   */
  curl(args: readonly string[], outputFile?: string): Promise<{ readonly seconds: number; readonly httpCode: number }>;
}

interface Benchmark {
  readonly name: string;
  run(context: BenchContext): Promise<Metric[]>;
}

const GIB = 1024 ** 3;
const MB = 1e6;

const log = (message: string): void => void process.stderr.write(`bench: ${message}\n`);

/** Client and curl alternate for this many rounds; throughputs are medians, peak RSS growth the worst round. */
const UPLOAD_ROUNDS = 5;
const DOWNLOAD_ROUNDS = 5;

/** Offline plans of the pool example, one after another; the time is their median. */
const PLAN_ROUNDS = 3;

const BENCHMARKS: readonly Benchmark[] = [
  {
    // What `npm run plan -- pool --json` costs a user: a fresh process, the program under mocks, 120 resources printed.
    name: "plan-pool",
    async run() {
      const seconds: number[] = [];
      for (let round = 0; round < PLAN_ROUNDS; round++) {
        const started = process.hrtime.bigint();
        const plan = spawnSync(process.execPath, ["--import", "tsx", join(__dirname, "plan.ts"), "pool", "--json"], { encoding: "utf8" });
        if (plan.status !== 0) throw new Error(`npm run plan -- pool --json exited ${plan.status}: ${plan.stderr}`);
        seconds.push(Number(process.hrtime.bigint() - started) / 1e9);
        log(`plan-pool round ${round + 1}: ${seconds.at(-1)!.toFixed(2)} s`);
      }
      return [{ name: "plan_pool_json_seconds", value: round1(median(seconds)), unit: "s" }];
    },
  },
  {
    name: "upload-1gib",
    async run(context) {
      const file = await context.sparseFile("upload.bin", GIB);
      // Warm the double up (JIT, its first large file) with curl; the client stays cold so that the worst RSS growth
      // includes its first upload's allocations.
      const warmUp = await context.sparseFile("warm-up.bin", 64 * 2 ** 20);
      await context.curl(["-X", "PUT", "-T", warmUp, `${context.apiBase}/snapshots/bench-warm-up/archive`]);
      await context.client.snapshots.delete("bench-warm-up");
      const clientRates: number[] = [];
      const curlRates: number[] = [];
      let rssWorst = 0;
      for (let round = 1; round <= UPLOAD_ROUNDS; round++) {
        const id = `bench-client-${round}`;
        const measured = await context.measure(() => context.client.snapshots.upload(id, file));
        await context.client.snapshots.delete(id);
        clientRates.push(GIB / MB / measured.seconds);
        rssWorst = Math.max(rssWorst, measured.peakRssGrowthBytes);
        log(`round ${round}: client ${(GIB / MB / measured.seconds).toFixed(0)} MB/s, RSS +${(measured.peakRssGrowthBytes / MB).toFixed(1)} MB`);

        const curlId = `bench-curl-${round}`;
        const curl = await context.curl(["-X", "PUT", "-T", file, "-H", "Content-Type: application/octet-stream", `${context.apiBase}/snapshots/${curlId}/archive`]);
        if (curl.httpCode !== 201) throw new Error(`curl upload answered ${curl.httpCode}, expected 201`);
        await context.client.snapshots.delete(curlId);
        curlRates.push(GIB / MB / curl.seconds);
        log(`round ${round}: curl ${(GIB / MB / curl.seconds).toFixed(0)} MB/s`);
      }
      const [client, curl] = [median(clientRates), median(curlRates)];
      return [
        { name: "cloudify_upload_1gib_client_throughput", value: round1(client), unit: "MB/s" },
        { name: "cloudify_upload_1gib_curl_throughput", value: round1(curl), unit: "MB/s" },
        { name: "cloudify_upload_1gib_client_vs_curl", value: round1((100 * client) / curl), unit: "%" },
        { name: "cloudify_upload_1gib_client_peak_rss_growth", value: round1(rssWorst / MB), unit: "MB" },
      ];
    },
  },
  {
    // What `cloudify:Backup` does with an archive (components/cloudify/day2/snapshot-download.ts: temporary name, sha256 on the way,
    // size check, fsync, link to the final name), against `curl -o` of the same snapshot into the same directory.
    // Both share the machine's cores with the double. The client also computes the sha256, which curl does not: about 0.75 CPU s
    // per GiB, on a thread of its own. The client's CPU per GiB (all its threads) is reported too: unlike the throughputs, load
    // on the machine barely moves it.
    name: "download-1gib",
    async run(context) {
      const id = "bench-download";
      const source = await context.sparseFile("download-source.bin", GIB);
      const put = await context.curl(["-X", "PUT", "-T", source, "-H", "Content-Type: application/octet-stream", `${context.apiBase}/snapshots/${id}/archive`]);
      if (put.httpCode !== 201) throw new Error(`curl upload of the snapshot to download answered ${put.httpCode}, expected 201`);
      const target = join(context.ramScratch, `${id}.zip`);
      const clientRates: number[] = [];
      const clientCpu: number[] = [];
      const curlRates: number[] = [];
      let rssWorst = 0;
      for (let round = 1; round <= DOWNLOAD_ROUNDS; round++) {
        const measured = await context.measure(() => downloadSnapshot(context.client, id, context.ramScratch));
        if (measured.result.sizeBytes !== GIB) throw new Error(`the client saved ${measured.result.sizeBytes} bytes, expected ${GIB}`);
        await rm(target);
        clientRates.push(GIB / MB / measured.seconds);
        clientCpu.push(measured.cpuSeconds);
        rssWorst = Math.max(rssWorst, measured.peakRssGrowthBytes);
        log(`round ${round}: client ${(GIB / MB / measured.seconds).toFixed(0)} MB/s, ${measured.cpuSeconds.toFixed(2)} CPU s, RSS +${(measured.peakRssGrowthBytes / MB).toFixed(1)} MB`);

        const curl = await context.curl([`${context.apiBase}/snapshots/${id}/archive`], target);
        if (curl.httpCode !== 200) throw new Error(`curl download answered ${curl.httpCode}, expected 200`);
        await rm(target);
        curlRates.push(GIB / MB / curl.seconds);
        log(`round ${round}: curl ${(GIB / MB / curl.seconds).toFixed(0)} MB/s`);
      }
      await context.client.snapshots.delete(id);
      const [client, curl] = [median(clientRates), median(curlRates)];
      return [
        { name: "cloudify_download_1gib_client_throughput", value: round1(client), unit: "MB/s" },
        { name: "cloudify_download_1gib_curl_throughput", value: round1(curl), unit: "MB/s" },
        { name: "cloudify_download_1gib_client_vs_curl", value: round1((100 * client) / curl), unit: "%" },
        { name: "cloudify_download_1gib_client_cpu", value: Math.round(median(clientCpu) * 100) / 100, unit: "s" },
        { name: "cloudify_download_1gib_client_peak_rss_growth", value: round1(rssWorst / MB), unit: "MB" },
      ];
    },
  },
];

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

interface DoubleProcess {
  readonly child: ChildProcess;
  readonly urls: string[];
  readonly caCertPem: string;
  readonly credentials: { username: string; password: string };
}

/**
 * Starts the double in a child process and waits for its ready line. It stores uploads in RAM (/dev/shm) when there is
 * one, so that disk writeback does not blur the comparison of the client with curl.
 */
async function startDoubleProcess(): Promise<DoubleProcess> {
  const options = { version: "5.1", ...(existsSync("/dev/shm") ? { storageDir: "/dev/shm" } : {}) };
  const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "..", "test", "doubles", "cloudify", "serve.ts"), JSON.stringify(options)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the double exited with ${code} before it was ready`)));
  });
  return { child, ...(JSON.parse(firstLine) as Omit<DoubleProcess, "child">) };
}

async function measure<T>(work: () => Promise<T>): Promise<Measured<T>> {
  (globalThis as { gc?: () => void }).gc?.();
  const baseline = process.memoryUsage.rss();
  const peakRss = watchPeakRss();
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const outcome = await work().then((result) => ({ result }), (error: unknown) => ({ error }));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const peak = peakRss();
  if ("error" in outcome) throw outcome.error;
  return { result: outcome.result, seconds, peakRssGrowthBytes: Math.max(0, peak - baseline), cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/**
 * Starts watching this process's RSS; the function returned stops and gives the highest RSS seen. On Linux the kernel
 * keeps that peak itself (VmHWM in /proc/self/status), and writing 5 to /proc/self/clear_refs resets it: exact, and free.
 * Elsewhere a sampler reads the RSS every 5 ms, which costs the measured process CPU (about 0.2 s per GiB downloaded,
 * on the client's own thread) and can miss a short peak; a lifetime maximum that grew meanwhile corrects the latter.
 */
function watchPeakRss(): () => number {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return () => 1024 * Number(/^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"))![1]);
  } catch {
    const maxRssBeforeKiB = process.resourceUsage().maxRSS;
    let peak = process.memoryUsage.rss();
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
    return () => {
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage.rss());
      const maxRssAfterKiB = process.resourceUsage().maxRSS;
      return maxRssAfterKiB > maxRssBeforeKiB ? Math.max(peak, maxRssAfterKiB * 1024) : peak;
    };
  }
}

function runCurl(double: DoubleProcess, caFile: string, args: readonly string[], outputFile = "/dev/null"): Promise<{ seconds: number; httpCode: number }> {
  return new Promise((resolve, reject) => {
    const curl = spawn("curl", ["-sS", "-o", outputFile, "-w", "%{http_code} %{time_total}", "--cacert", caFile, "-K", "-", ...args], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    let output = "";
    curl.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    curl.on("error", reject);
    curl.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`curl exited with ${code}`));
      const [httpCode, seconds] = output.trim().split(" ");
      resolve({ httpCode: Number(httpCode), seconds: Number(seconds) });
    });
    // curl's config syntax: quoted values with backslash escapes.
    const quote = (value: string): string => `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
    curl.stdin.end(`user = ${quote(`${double.credentials.username}:${double.credentials.password}`)}\nheader = ${quote("Tenant: default_tenant")}\n`);
  });
}

const usage = () => `usage: npm run bench [-- <name>…]   (runs every benchmark, or those named: ${BENCHMARKS.map((b) => b.name).join(", ")})`;

/** Bad usage: exit 2 with the reason, no trace. */
class UsageError extends Error {}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  if (wanted.includes("--help") || wanted.includes("-h")) {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  const unknown = wanted.filter((name) => !BENCHMARKS.some((b) => b.name === name));
  if (unknown.length > 0) throw new UsageError(`unknown benchmark${unknown.length === 1 ? "" : "s"} ${unknown.join(", ")}\n${usage()}`);
  const selected = BENCHMARKS.filter((b) => wanted.length === 0 || wanted.includes(b.name));

  const scratch = await mkdtemp(join(tmpdir(), "cmom-bench-"));
  const ramScratch = await mkdtemp(join(existsSync("/dev/shm") ? "/dev/shm" : scratch, "cmom-bench-"));
  const double = await startDoubleProcess();
  try {
    const caFile = join(scratch, "ca.pem");
    await writeFile(caFile, double.caCertPem, { mode: 0o600 });
    const connection: CloudifyConnection = { endpoints: double.urls, ...double.credentials, caCert: double.caCertPem, tenant: "default_tenant" };
    const client = new CloudifyClient(connection);
    await client.manager.version(); // warm up: modules loaded, TLS exercised, before any baseline is taken
    const context: BenchContext = {
      connection,
      client,
      apiBase: `${double.urls[0]}/api/v3.1`,
      scratch,
      ramScratch,
      async sparseFile(name, bytes) {
        const file = join(scratch, name);
        const handle = await open(file, "w", 0o600);
        await handle.truncate(bytes);
        await handle.close();
        return file;
      },
      measure,
      curl: (args, outputFile) => runCurl(double, caFile, args, outputFile),
    };
    for (const benchmark of selected) {
      log(`running ${benchmark.name}`);
      for (const metric of await benchmark.run(context)) process.stdout.write(JSON.stringify(metric) + "\n");
    }
  } finally {
    double.child.kill("SIGTERM");
    await rm(scratch, { recursive: true, force: true });
    await rm(ramScratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
