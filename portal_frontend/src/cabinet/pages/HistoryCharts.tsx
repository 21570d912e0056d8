// Charts of a household's history: consumption (quantity) and spending (roubles) by service and month.
import { Card, Empty } from "antd";
import { useTranslation } from "react-i18next";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatAmount, formatMonth, formatMonthShort, fromKopecks, toKopecks } from "../../shared/format";
import type { CabinetHistoryQuery } from "../../gql/graphql";

type Charge = CabinetHistoryQuery["residentHistory"]["charges"][number];

const COLORS = ["#1f6feb", "#2da44e", "#d29922", "#cf222e", "#8250df", "#1b7c83", "#bf3989", "#6e7781"];

interface Series {
  key: string;
  name: string;
  color: string;
}

/** One colour per service in both charts: by the service's place among all the household's services. */
function colorOf(charges: Charge[], code: string): string {
  const codes = [...new Set(charges.map((c) => c.serviceCode))].sort();
  return COLORS[Math.max(0, codes.indexOf(code)) % COLORS.length];
}

/** Rows by month (oldest first) with one column per service; values computed by `value`. */
function pivot(charges: Charge[], include: (c: Charge) => boolean, value: (c: Charge) => number) {
  const series = new Map<string, Series>();
  const rows = new Map<string, Record<string, number | string>>();
  for (const c of charges) {
    if (!include(c)) continue;
    const key = `s_${c.serviceCode}`;
    if (!series.has(key)) {
      series.set(key, { key, name: `${c.serviceName}${c.unit ? `, ${c.unit}` : ""}`, color: colorOf(charges, c.serviceCode) });
    }
    const row = rows.get(c.month) ?? { month: c.month };
    row[key] = ((row[key] as number | undefined) ?? 0) + value(c);
    rows.set(c.month, row);
  }
  const data = [...rows.values()].sort((a, b) => String(a.month).localeCompare(String(b.month)));
  return { data, series: [...series.values()] };
}

/** Quantities from the API's decimal strings, to 4 places, as integers of 1/10000 to sum exactly. */
function quantityUnits(value: string | null | undefined): number {
  if (!value) return 0;
  const [i, f = ""] = value.replace(/^-/, "").split(".");
  const n = Number(i) * 10000 + Number((f + "0000").slice(0, 4));
  return value.startsWith("-") ? -n : n;
}

export function ConsumptionChart({ charges }: { charges: Charge[] }) {
  // only the resources consumed: areas and head counts are not consumption
  const { t } = useTranslation("cabinet");
  const { data, series } = pivot(charges, (c) => c.consumption && !!c.quantity, (c) => quantityUnits(c.quantity));
  const shown = data.map((row) => {
    const out: Record<string, number | string> = { month: row.month };
    for (const s of series) if (row[s.key] !== undefined) out[s.key] = (row[s.key] as number) / 10000;
    return out;
  });
  return (
    <Card title={t("history.consumptionTitle")}>
      {shown.length === 0 ? (
        <Empty description={t("history.noConsumption")} />
      ) : (
        <div role="img" aria-label={t("history.consumptionChart")} style={{ width: "100%", height: 300 }}>
          <ResponsiveContainer>
            <BarChart data={shown} margin={{ top: 8, right: 8, left: 0, bottom: 8 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="month" tickFormatter={formatMonthShort} />
              <YAxis width={48} />
              <Tooltip
                labelFormatter={(m) => formatMonth(String(m))}
                formatter={(v) => String(v).replace(".", ",")}
              />
              <Legend />
              {series.map((s) => (
                <Bar key={s.key} dataKey={s.key} name={s.name} fill={s.color} />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
    </Card>
  );
}

export function SpendingChart({ charges }: { charges: Charge[] }) {
  const { t } = useTranslation("cabinet");
  const { data, series } = pivot(charges, () => true, (c) => toKopecks(c.amount));
  const shown = data.map((row) => {
    const out: Record<string, number | string> = { month: row.month };
    for (const s of series) if (row[s.key] !== undefined) out[s.key] = (row[s.key] as number) / 100;
    return out;
  });
  return (
    <Card title={t("history.spendingTitle")}>
      {shown.length === 0 ? (
        <Empty description={t("history.noChargesChart")} />
      ) : (
        <div role="img" aria-label={t("history.spendingChart")} style={{ width: "100%", height: 320 }}>
          <ResponsiveContainer>
            <BarChart data={shown} margin={{ top: 8, right: 8, left: 0, bottom: 8 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="month" tickFormatter={formatMonthShort} />
              <YAxis width={56} />
              <Tooltip
                labelFormatter={(m) => formatMonth(String(m))}
                formatter={(v) => t("history.roubles", { amount: formatAmount(fromKopecks(Math.round(Number(v) * 100))) })}
              />
              <Legend />
              {series.map((s) => (
                <Bar key={s.key} dataKey={s.key} name={s.name.replace(/, [^,]+$/, "")} stackId="sum" fill={s.color} />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
    </Card>
  );
}
