// Server-side pagination over keyset connections (first/after + totalCount): forward by endCursor,
// back through the cursors already seen; the page size is chosen under the table.
import { Button, Select, Space, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";

const PAGE_SIZES = [10, 20, 50, 100];

export function useCursorPages(initialSize = 20) {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [size, setSize] = useState(initialSize);
  const page = cursors.length; // 1-based
  return {
    first: size,
    after: cursors[cursors.length - 1],
    page,
    size,
    next: (endCursor: string | null | undefined) => endCursor && setCursors((c) => [...c, endCursor]),
    prev: () => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)),
    reset: () => setCursors([undefined]),
    setSize: (s: number) => {
      setSize(s);
      setCursors([undefined]);
    },
  };
}

export type CursorPages = ReturnType<typeof useCursorPages>;

interface Props {
  pages: CursorPages;
  totalCount: number | undefined;
  hasNextPage: boolean | undefined;
  endCursor: string | null | undefined;
  loading?: boolean;
}

export function CursorPager({ pages, totalCount, hasNextPage, endCursor, loading }: Props) {
  const { t } = useTranslation("shared");
  const total = totalCount ?? 0;
  const pagesTotal = Math.max(1, Math.ceil(total / pages.size));
  const sizes = PAGE_SIZES.includes(pages.size) ? PAGE_SIZES : [...PAGE_SIZES, pages.size].sort((a, b) => a - b);
  return (
    <nav aria-label={t("pager.label")} style={{ marginTop: 16 }}>
      <Space wrap>
        <Button onClick={pages.prev} disabled={pages.page <= 1 || loading}>
          {t("pager.prev")}
        </Button>
        <Typography.Text>
          {t("pager.summary", { page: pages.page, pages: pagesTotal, total })}
        </Typography.Text>
        <Button onClick={() => pages.next(endCursor)} disabled={!hasNextPage || loading}>
          {t("pager.next")}
        </Button>
        <Select
          aria-label={t("pager.pageSize")}
          value={pages.size}
          onChange={pages.setSize}
          options={sizes.map((n) => ({ value: n, label: t("pager.perPage", { size: n }) }))}
          style={{ width: 150 }}
        />
      </Space>
    </nav>
  );
}
