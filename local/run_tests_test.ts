import { assertEquals } from "@std/assert";
import { partitionTestArgs } from "./run_tests.ts";

Deno.test("run_tests: clock tests run on a stack of their own, the rest without them", () => {
  assertEquals(partitionTestArgs([], ["web/", "clock/", "rls_test.ts", "_db.ts", "README.md"]), {
    main: ["local", "supabase", "tests/rls_test.ts", "tests/web", "bench", "tools"],
    clock: ["tests/clock"],
  });
  assertEquals(partitionTestArgs(["tests/rls_test.ts"]), {
    main: ["tests/rls_test.ts"],
    clock: [],
  });
  assertEquals(partitionTestArgs(["--fail-fast", "./tests/clock/billing_month_test.ts"]), {
    main: [],
    clock: ["--fail-fast", "./tests/clock/billing_month_test.ts"],
  });
  assertEquals(partitionTestArgs(["tests/rls_test.ts", "tests/clock"]), {
    main: ["tests/rls_test.ts"],
    clock: ["tests/clock"],
  });
});
