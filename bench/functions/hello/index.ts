/** The cold-start baseline: the smallest function Deno can serve. */
Deno.serve(() => new Response("hello"));
