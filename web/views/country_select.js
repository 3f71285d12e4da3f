// @ts-check
/**
 * "Show prices for": the buyer's country, a labelled `<select>`. Empty means "where you are"
 * (Paddle detects it from the IP address); a choice is kept in the URL as `?country=DE`, so a
 * link shows the same prices.
 */
import { el } from "../dom.js";

/** Countries offered by name; Paddle sells in more, and `?country=` takes any of them. */
export const COUNTRY_CHOICES = [
  "AT",
  "AU",
  "BE",
  "BR",
  "CA",
  "CH",
  "DE",
  "DK",
  "ES",
  "FI",
  "FR",
  "GB",
  "IE",
  "IN",
  "IT",
  "JP",
  "MX",
  "NL",
  "NO",
  "NZ",
  "PL",
  "PT",
  "SE",
  "US",
];

const COUNTRY = /^[A-Z]{2}$/;

/**
 * @param {string} search `location.search`
 * @returns {string | undefined} the chosen country, when the URL names a valid one
 */
export function countryFromSearch(search) {
  const value = (new URLSearchParams(search).get("country") ?? "").toUpperCase();
  return COUNTRY.test(value) ? value : undefined;
}

/**
 * The page's query with `country` set (or removed for "where you are"), the rest kept.
 *
 * @param {string} search
 * @param {string | undefined} country
 */
export function searchWithCountry(search, country) {
  const params = new URLSearchParams(search);
  if (country) params.set("country", country);
  else params.delete("country");
  const text = params.toString();
  return text ? `?${text}` : "";
}

/**
 * @param {string} code
 * @param {string | undefined} locale
 */
export function countryName(code, locale) {
  try {
    return new Intl.DisplayNames(locale, { type: "region" }).of(code) ?? code;
  } catch {
    return code;
  }
}

/**
 * @param {string | undefined} current
 * @param {(country: string | undefined) => void} onChange
 * @param {string} [locale]
 * @returns {HTMLElement}
 */
export function renderCountrySelect(current, onChange, locale = undefined) {
  const select = /** @type {HTMLSelectElement} */ (el("select", undefined));
  select.id = "plans-country";
  select.name = "country";
  const codes = [...new Set([...COUNTRY_CHOICES, ...(current ? [current] : [])])]
    .map((code) => ({ code, name: countryName(code, locale) }))
    .sort((a, b) => a.name.localeCompare(b.name, locale));
  const here = /** @type {HTMLOptionElement} */ (el("option", undefined, "Where you are"));
  here.value = "";
  select.append(here);
  for (const { code, name } of codes) {
    const option = /** @type {HTMLOptionElement} */ (el("option", undefined, name));
    option.value = code;
    select.append(option);
  }
  select.value = current ?? "";
  select.addEventListener("change", () => onChange(select.value || undefined));
  const label = /** @type {HTMLLabelElement} */ (el("label", undefined, "Show prices for"));
  label.htmlFor = select.id;
  return el("div", "field plans-country", label, select);
}
