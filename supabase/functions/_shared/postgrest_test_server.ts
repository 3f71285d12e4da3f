export type Reply = { status: number; body: unknown } | { hangMs: number };

/** A stand-in for PostgREST on 127.0.0.1 that records each request and answers from a script. Test-only. */
export function fakePostgrest(reply: Reply) {
  const seen: { url: URL; method: string; headers: Headers; body: string }[] = [];
  const pending = new Set<() => void>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    seen.push({
      url: new URL(req.url),
      method: req.method,
      headers: req.headers,
      body: await req.text(),
    });
    if ("hangMs" in reply) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, reply.hangMs);
        function done() {
          clearTimeout(t);
          pending.delete(done);
          resolve();
        }
        pending.add(done);
      });
      return Response.json(null);
    }
    return Response.json(reply.body, { status: reply.status });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    seen,
    async close() {
      for (const done of [...pending]) done();
      await server.shutdown();
    },
  };
}
