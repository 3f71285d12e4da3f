import { assertEquals } from "@std/assert";
import { CardOutcomes } from "./cards.ts";

Deno.test("cards: a card declines only once marked, and works again once updated", () => {
  const cards = new CardOutcomes();
  assertEquals(cards.declines("ctm_b"), false);
  cards.set("ctm_b", true);
  cards.set("ctm_a", true);
  assertEquals(cards.declines("ctm_b"), true);
  assertEquals(cards.declining(), ["ctm_a", "ctm_b"]);
  cards.set("ctm_b", false);
  assertEquals(cards.declines("ctm_b"), false);
  assertEquals(cards.declining(), ["ctm_a"]);
  cards.clear();
  assertEquals(cards.declining(), []);
});
