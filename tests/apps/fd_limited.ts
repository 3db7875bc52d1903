// Test app: runs a Deno module (argv[0], with the rest as its arguments)
// under a soft limit of 64 open files, via util-linux's prlimit.
const [main, ...args] = Deno.args;
const child = new Deno.Command("prlimit", {
  args: ["--nofile=64:64", Deno.execPath(), "run", "-A", main, ...args],
  stdin: "null",
}).spawn();
for (const sig of ["SIGTERM", "SIGINT"] as const) {
  Deno.addSignalListener(sig, () => child.kill(sig));
}
Deno.exit((await child.status).code);
