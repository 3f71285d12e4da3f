/** The machine a run was measured on: figures mean little without it. */

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  os: string;
  deno: string;
  v8: string;
  /** 1-minute load average when the run started: others' work on a shared machine shows here. */
  loadAverage: number[];
}

async function readOr(path: string, fallback: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return fallback;
  }
}

export async function describeMachine(): Promise<Machine> {
  const cpuinfo = await readOr("/proc/cpuinfo", "");
  const meminfo = await readOr("/proc/meminfo", "");
  const model = cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? "unknown";
  const memKb = Number(meminfo.match(/^MemTotal:\s+(\d+)\s+kB/m)?.[1] ?? 0);
  return {
    cpuModel: model,
    cores: navigator.hardwareConcurrency,
    memoryBytes: memKb * 1024,
    os: `${Deno.build.os} ${Deno.osRelease()} ${Deno.build.arch}`,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    loadAverage: Deno.loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

export async function gitCommit(cwd: string): Promise<string | null> {
  try {
    const out = await new Deno.Command("git", {
      args: ["rev-parse", "--short", "HEAD"],
      cwd,
      stdout: "piped",
      stderr: "null",
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
  } catch {
    return null;
  }
}
