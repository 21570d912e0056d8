// The production calendar's end, warned on the payouts and periods pages within CALENDAR_WARN_DAYS of it
// (calendarCoverage): payouts are dated by working days, and a year without its decree cannot be planned; a year
// loaded only provisionally (by the Labour Code, before its decree) is named in the title.
import { Alert } from "antd";
import { useTranslation } from "react-i18next";
import { graphql } from "../gql";
import { formatDate } from "../shared/format";
import { useGql } from "../shared/hooks";

const CalendarCoverageQuery = graphql(`
  query OfficeCalendarCoverage {
    calendarCoverage { lastYear lastDay daysLeft warn warnDays message provisionalYears }
  }
`);

export function CalendarWarning() {
  const { t } = useTranslation("office");
  const coverage = useGql(CalendarCoverageQuery).data?.calendarCoverage;
  if (!coverage?.warn) return null;
  return (
    <Alert
      type={coverage.daysLeft > 0 ? "warning" : "error"}
      showIcon
      role="alert"
      style={{ marginBottom: 16 }}
      title={
        coverage.lastDay
          ? t(coverage.provisionalYears.length ? "calendarWarning.titleProvisional" : "calendarWarning.title", {
              date: formatDate(coverage.lastDay),
              days: coverage.daysLeft,
              years: coverage.provisionalYears.join(", "),
            })
          : t("calendarWarning.missing")
      }
      description={coverage.message}
    />
  );
}
