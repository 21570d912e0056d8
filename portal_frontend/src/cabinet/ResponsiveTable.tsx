// A table on wide screens, a list of small cards on a phone (same columns: title — value).
import { Card, Descriptions, Grid, List, Table } from "antd";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { ScrollRegion } from "../shared/ScrollRegion";

export interface Column<T> {
  key: string;
  title: string;
  render: (row: T) => ReactNode;
  align?: "left" | "right" | "center";
  /** left out of the phone card (its title shows it) */
  inCardTitle?: boolean;
}

interface Props<T> {
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  /** the heading of each card on a phone */
  cardTitle?: (row: T) => ReactNode;
  caption?: string;
  loading?: boolean;
  summary?: ReactNode;
  emptyText?: string;
}

export function ResponsiveTable<T>({ rows, columns, rowKey, cardTitle, caption, loading, summary, emptyText }: Props<T>) {
  const { t } = useTranslation("cabinet");
  const screens = Grid.useBreakpoint();
  const phone = !screens.md;
  if (phone) {
    return (
      <List
        aria-label={caption}
        loading={loading}
        dataSource={rows}
        rowKey={rowKey}
        locale={{ emptyText: emptyText ?? t("common.noData") }}
        footer={summary}
        renderItem={(row) => (
          <List.Item style={{ padding: "6px 0" }}>
            <Card size="small" title={cardTitle?.(row)} style={{ width: "100%" }}>
              <Descriptions
                size="small"
                column={1}
                items={columns.filter((c) => !c.inCardTitle).map((c) => ({ key: c.key, label: c.title, children: c.render(row) }))}
              />
            </Card>
          </List.Item>
        )}
      />
    );
  }
  // a table wider than the page scrolls sideways inside a region the keyboard can focus (WCAG 2.1.1)
  return (
    <ScrollRegion label={caption ?? t("common.table")}>
      <Table<T>
        aria-label={caption}
        size="small"
        loading={loading}
        dataSource={rows}
        rowKey={rowKey}
        pagination={false}
        locale={{ emptyText: emptyText ?? t("common.noData") }}
        columns={columns.map((c) => ({ key: c.key, title: c.title, align: c.align, render: (_: unknown, row: T) => c.render(row) }))}
        footer={summary ? () => summary : undefined}
        style={{ minWidth: "max-content" }}
      />
    </ScrollRegion>
  );
}
