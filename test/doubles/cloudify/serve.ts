/**
 * Runs the double in its own process (benchmarks measure the client's memory without the server's):
 *   node --import tsx test/doubles/cloudify/serve.ts '<DoubleOptions as JSON>'
 * Prints one JSON line {urls, caCertPem, credentials} when ready; stops when stdin closes or on SIGTERM.
 */
import { startCloudifyDouble, type DoubleOptions } from "./index";

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? "{}") as DoubleOptions;
  const double = await startCloudifyDouble(options);
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    double.close().then(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.stdin.on("end", stop);
  process.stdin.resume();
  process.stdout.write(JSON.stringify({ urls: double.urls, caCertPem: double.caCertPem, credentials: double.credentials }) + "\n");
}

main().catch((error: unknown) => {
  process.stderr.write(`cloudify double failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
