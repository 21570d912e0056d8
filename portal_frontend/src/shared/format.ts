// Russian formats for money (exact: from the API's decimal strings, never through floats), dates, months.
import dayjs from "dayjs";
import "dayjs/locale/ru";

dayjs.locale("ru");

const NBSP = "\u00a0";

/** "1234567.5" -> "1 234 567,50" (grouping by thin spaces as Russian documents do). */
export function formatAmount(value: string | null | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  const negative = value.trim().startsWith("-");
  const [intPart, fracPart = ""] = value.trim().replace(/^[-+]/, "").split(".");
  const grouped = intPart.replace(/^0+(?=\d)/, "").replace(/\B(?=(\d{3})+(?!\d))/g, NBSP);
  const kopecks = (fracPart + "00").slice(0, 2);
  return `${negative ? "−" : ""}${grouped},${kopecks}`;
}

export function formatMoney(value: string | null | undefined): string {
  const amount = formatAmount(value);
  return amount === "—" ? amount : `${amount}${NBSP}₽`;
}

/** Decimal strings to kopecks (integers) for sums and charts; exact for any amount the API sends. */
export function toKopecks(value: string | null | undefined): number {
  if (!value) return 0;
  const negative = value.trim().startsWith("-");
  const [intPart, fracPart = ""] = value.trim().replace(/^[-+]/, "").split(".");
  const kopecks = Number(intPart) * 100 + Number((fracPart + "00").slice(0, 2));
  return negative ? -kopecks : kopecks;
}

/** Kopecks back to a decimal string ("123456" -> "1234.56"). */
export function fromKopecks(kopecks: number): string {
  const negative = kopecks < 0;
  const abs = Math.abs(Math.round(kopecks));
  return `${negative ? "-" : ""}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** Trims zeros of a decimal quantity: "58.1700" -> "58,17". */
export function formatQuantity(value: string | null | undefined): string {
  if (!value) return "—";
  const [i, f = ""] = value.split(".");
  const frac = f.replace(/0+$/, "");
  return frac ? `${i},${frac}` : i;
}

export function formatDate(value: string | null | undefined): string {
  return value ? dayjs(value).format("DD.MM.YYYY") : "—";
}

export function formatDateTime(value: string | null | undefined): string {
  return value ? dayjs(value).format("DD.MM.YYYY HH:mm") : "—";
}

/** "2026-10-01" -> "октябрь 2026". */
export function formatMonth(value: string | null | undefined): string {
  return value ? dayjs(value).format("MMMM YYYY") : "—";
}

/** "2026-10-01" -> "окт 26", for chart axes. */
export function formatMonthShort(value: string): string {
  return dayjs(value).format("MMM YY");
}

export function formatPercent(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  const n = typeof value === "number" ? value : Number(value);
  return `${(n * 100).toFixed(1).replace(".", ",")}${NBSP}%`;
}
