/**
 * Runs a function entry (the first argument) so that `--cpu-prof` gets written: Deno writes the
 * profile on a normal exit only, and a server stopped with SIGTERM never exits normally.
 */
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
await import(Deno.args[0]);
