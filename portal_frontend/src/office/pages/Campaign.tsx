// A campaign: its rules and actions, its monthly runs with their totals, each principal's figures and the files the
// run stored (letters to print with the post office's register, call lists), and «Запустить за месяц» (a run is once
// per campaign and month; running the same month again finishes what is missing and acts on nobody twice).
import { ArrowLeftOutlined, DownloadOutlined, EditOutlined, PlayCircleOutlined } from "@ant-design/icons";
import { Alert, Button, Card, DatePicker, Descriptions, Form, Space, Statistic, Table, Tag, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { graphql } from "../../gql";
import type { OfficeCampaignQuery } from "../../gql/graphql";
import { payload } from "../../shared/api";
import { StageTag, StatusTag } from "../../shared/collection";
import { formatDate, formatDateTime, formatMoney, formatMonth, formatQuantity } from "../../shared/format";
import { applyErrors } from "../../shared/forms";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { labelOf } from "../../shared/labels";
import { QueryState } from "../../shared/QueryState";
import { PageTitle, SERVICE_KIND } from "../common";
import { CAMPAIGN_ACTION, CAMPAIGN_RUN_STATUS, CampaignFormModal, scheduleText } from "./Campaigns";

const CampaignQuery = graphql(`
  query OfficeCampaign($id: ID!) {
    campaign(id: $id) {
      id name description minDebt minMonths minMonthsOfNorm thresholdOnly houseIds serviceKinds stages
      excludeKeptAgreement actions amnestyPayBy schedule runDay active createdAt updatedAt
      principals { id name }
      runs {
        id month status createdAt startedAt finishedAt error
        totals {
          principalsDone selected selectedDebt warned reminded remindedSms remindedEmail noContact callListRows
          letters claims claimsRefused amnesty touched
        }
        principals {
          schema principalId name done notes selected selectedDebt warned reminded remindedSms remindedEmail
          noContact callListRows letters claims claimsRefused amnesty touched
        }
        files { title kind schema principalName filename url }
      }
    }
  }
`);

const CampaignRunMutation = graphql(`
  mutation OfficeCampaignRun($id: ID!, $month: Date) {
    campaignRun(id: $id, month: $month) { errors { field message code } run { id month status } }
  }
`);

type Campaign = NonNullable<OfficeCampaignQuery["campaign"]>;
type Run = Campaign["runs"][number];

const active = (status: string) => status === "QUEUED" || status === "RUNNING";

export default function CampaignPage() {
  const { t } = useTranslation("office");
  const { id = "" } = useParams();
  const q = useGql(CampaignQuery, { id }, {
    refetchInterval: (query) => (query.state.data?.campaign?.runs.some((r) => active(r.status)) ? 1500 : false),
  });
  const c = q.data?.campaign;
  const [editing, setEditing] = useState(false);
  return (
    <>
      <Link to="/collection">
        <ArrowLeftOutlined /> {t("campaign.back")}
      </Link>
      <QueryState loading={q.isLoading} error={q.error} retry={() => q.refetch()} empty={!!q.data && !c} emptyText={t("campaign.notFound")}>
        {c && (
          <Space orientation="vertical" size="large" style={{ width: "100%", marginTop: 8 }}>
            <PageTitle
              extra={
                <Button icon={<EditOutlined />} onClick={() => setEditing(true)}>
                  {t("common.edit")}
                </Button>
              }
            >
              {t("campaign.title", { name: c.name })}
            </PageTitle>
            <Rules c={c} />
            <Runs c={c} />
          </Space>
        )}
      </QueryState>
      {editing && c && (
        <CampaignFormModal
          id={c.id}
          initial={{
            name: c.name,
            description: c.description,
            principalIds: c.principals.map((p) => p.id),
            minDebt: c.minDebt,
            minMonths: c.minMonths,
            minMonthsOfNorm: c.minMonthsOfNorm ?? null,
            thresholdOnly: c.thresholdOnly,
            serviceKinds: c.serviceKinds,
            stages: c.stages,
            excludeKeptAgreement: c.excludeKeptAgreement,
            actions: c.actions,
            amnestyPayBy: c.amnestyPayBy ?? null,
            schedule: c.schedule,
            runDay: c.runDay ?? null,
            active: c.active,
          }}
          onClose={() => setEditing(false)}
        />
      )}
    </>
  );
}

function Rules({ c }: { c: Campaign }) {
  const { t } = useTranslation("office");
  const yes = (v: boolean) => (v ? t("campaign.yes") : t("campaign.no"));
  return (
    <Card title={t("campaign.rules")}>
      {c.description && <Typography.Paragraph>{c.description}</Typography.Paragraph>}
      <Descriptions size="small" bordered column={{ xs: 1, md: 2 }}>
        <Descriptions.Item label={t("campaignForm.principals")} span={2}>
          {c.principals.length ? c.principals.map((p) => p.name).join(", ") : t("campaigns.allPrincipals")}
        </Descriptions.Item>
        <Descriptions.Item label={t("campaignForm.minDebt")}>{formatMoney(c.minDebt)}</Descriptions.Item>
        <Descriptions.Item label={t("campaignForm.minMonths")}>{c.minMonths}</Descriptions.Item>
        <Descriptions.Item label={t("campaignForm.minMonthsOfNorm")}>
          {c.minMonthsOfNorm ? formatQuantity(c.minMonthsOfNorm) : "—"}
        </Descriptions.Item>
        <Descriptions.Item label={t("campaignForm.thresholdOnly")}>{yes(c.thresholdOnly)}</Descriptions.Item>
        <Descriptions.Item label={t("campaignForm.serviceKinds")}>
          {c.serviceKinds.length ? c.serviceKinds.map((k) => <Tag key={k}>{labelOf(t, SERVICE_KIND, k)}</Tag>) : t("campaignForm.anyService")}
        </Descriptions.Item>
        <Descriptions.Item label={t("campaignForm.stages")}>
          {c.stages.length ? c.stages.map((s) => <StageTag key={s} stage={s} />) : t("campaignForm.anyStage")}
        </Descriptions.Item>
        <Descriptions.Item label={t("campaignForm.excludeKeptAgreement")}>{yes(c.excludeKeptAgreement)}</Descriptions.Item>
        <Descriptions.Item label={t("campaign.houses")}>
          {c.houseIds.length ? t("campaign.housesCount", { count: c.houseIds.length }) : t("campaign.allHouses")}
        </Descriptions.Item>
        <Descriptions.Item label={t("campaignForm.actions")} span={2}>
          <Space size={4} wrap>
            {c.actions.map((a) => (
              <Tag key={a} color="blue">
                {labelOf(t, CAMPAIGN_ACTION, a)}
              </Tag>
            ))}
          </Space>
          {c.amnestyPayBy && <div>{t("campaign.amnestyPayBy", { date: formatDate(c.amnestyPayBy) })}</div>}
        </Descriptions.Item>
        <Descriptions.Item label={t("campaignForm.schedule")}>{scheduleText(t, c.schedule, c.runDay)}</Descriptions.Item>
        <Descriptions.Item label={t("common.status")}>
          {c.active ? <Tag color="green">{t("campaigns.active")}</Tag> : <Tag>{t("campaigns.inactive")}</Tag>}
        </Descriptions.Item>
      </Descriptions>
    </Card>
  );
}

function Runs({ c }: { c: Campaign }) {
  const { t } = useTranslation("office");
  const [form] = Form.useForm<{ month: Dayjs }>();
  const [error, setError] = useState<string | null>(null);
  const [queued, setQueued] = useState<string | null>(null);
  const run = useGqlMutation(CampaignRunMutation, ["OfficeCampaign", "OfficeCampaigns"]);
  const start = async ({ month }: { month: Dayjs }) => {
    setError(null);
    setQueued(null);
    try {
      const result = payload(await run.mutateAsync({ id: c.id, month: month.startOf("month").format("YYYY-MM-DD") }));
      setQueued(t("campaign.queued", { month: formatMonth(result.run?.month ?? month.format("YYYY-MM-DD")) }));
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };
  return (
    <Card title={t("campaign.runs")}>
      <Form form={form} name="campaign-run" layout="inline" initialValues={{ month: dayjs().startOf("month") }} onFinish={start} style={{ marginBottom: 16, rowGap: 8 }}>
        <Form.Item name="month" label={t("campaign.month")} rules={[{ required: true, message: t("campaign.monthRequired") }]}>
          <DatePicker picker="month" allowClear={false} format="MMMM YYYY" />
        </Form.Item>
        <Form.Item>
          <Button type="primary" htmlType="submit" icon={<PlayCircleOutlined />} loading={run.isPending} disabled={!c.active}>
            {t("campaign.run")}
          </Button>
        </Form.Item>
        {!c.active && <Typography.Text type="secondary">{t("campaign.inactiveHint")}</Typography.Text>}
      </Form>
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 16 }} />}
      {queued && <Alert type="success" showIcon role="status" title={queued} style={{ marginBottom: 16 }} />}
      {c.runs.length === 0 ? (
        <Typography.Text type="secondary">{t("campaign.noRuns")}</Typography.Text>
      ) : (
        <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
          {c.runs.map((r) => (
            <RunCard key={r.id} run={r} />
          ))}
        </Space>
      )}
    </Card>
  );
}

function RunCard({ run }: { run: Run }) {
  const { t } = useTranslation("office");
  const tot = run.totals;
  return (
    <Card
      type="inner"
      title={
        <Space wrap>
          <span>{t("campaign.runOf", { month: formatMonth(run.month) })}</span>
          <StatusTag status={run.status} label={labelOf(t, CAMPAIGN_RUN_STATUS, run.status)} />
        </Space>
      }
      extra={
        <Typography.Text type="secondary">
          {run.finishedAt
            ? t("campaign.finishedAt", { when: formatDateTime(run.finishedAt) })
            : run.startedAt
              ? t("campaign.startedAt", { when: formatDateTime(run.startedAt) })
              : t("campaign.createdAt", { when: formatDateTime(run.createdAt) })}
        </Typography.Text>
      }
    >
      {run.error && <Alert type="error" showIcon title={run.error} style={{ marginBottom: 12 }} />}
      <Space wrap size="large" style={{ marginBottom: 12 }}>
        <Statistic groupSeparator={"\u00a0"} title={t("campaign.stat.selected")} value={tot.selected} />
        <Statistic groupSeparator={"\u00a0"} title={t("campaign.stat.selectedDebt")} value={formatMoney(tot.selectedDebt)} />
        <Statistic groupSeparator={"\u00a0"} title={t("campaign.stat.warned")} value={tot.warned} />
        <Statistic groupSeparator={"\u00a0"} title={t("campaign.stat.letters")} value={tot.letters} />
        <Statistic groupSeparator={"\u00a0"} title={t("campaign.stat.reminded")} value={t("campaign.stat.remindedValue", { sms: tot.remindedSms, email: tot.remindedEmail })} />
        <Statistic groupSeparator={"\u00a0"} title={t("campaign.stat.callListRows")} value={tot.callListRows} />
        <Statistic groupSeparator={"\u00a0"} title={t("campaign.stat.claims")} value={tot.claims} />
        <Statistic groupSeparator={"\u00a0"} title={t("campaign.stat.amnesty")} value={tot.amnesty} />
        <Statistic groupSeparator={"\u00a0"} title={t("campaign.stat.noContact")} value={tot.noContact} />
        <Statistic groupSeparator={"\u00a0"} title={t("campaign.stat.principalsDone")} value={tot.principalsDone} />
      </Space>
      <Table
        rowKey="schema"
        size="small"
        pagination={false}
        scroll={{ x: true }}
        dataSource={run.principals}
        locale={{ emptyText: t("campaign.noPrincipals") }}
        aria-label={t("campaign.byPrincipal")}
        columns={[
          { title: t("campaign.principal"), dataIndex: "name" },
          { title: t("campaign.stat.selected"), dataIndex: "selected", align: "right" },
          { title: t("campaign.stat.selectedDebt"), dataIndex: "selectedDebt", align: "right", render: formatMoney },
          { title: t("campaign.stat.warned"), dataIndex: "warned", align: "right" },
          { title: t("campaign.stat.letters"), dataIndex: "letters", align: "right" },
          {
            title: t("campaign.stat.reminded"),
            align: "right",
            render: (_v, p) => t("campaign.stat.remindedValue", { sms: p.remindedSms, email: p.remindedEmail }),
          },
          { title: t("campaign.stat.callListRows"), dataIndex: "callListRows", align: "right" },
          { title: t("campaign.stat.claims"), dataIndex: "claims", align: "right" },
          { title: t("campaign.stat.claimsRefused"), dataIndex: "claimsRefused", align: "right" },
          { title: t("campaign.stat.amnesty"), dataIndex: "amnesty", align: "right" },
          { title: t("campaign.stat.noContact"), dataIndex: "noContact", align: "right" },
          {
            title: t("campaign.done"),
            dataIndex: "done",
            render: (done: boolean, p) => (
              <Space orientation="vertical" size={0}>
                {/* doneAt is left out: the API cannot serialise the runner's stored string as a DateTime yet */}
                {done ? <Tag color="green">{t("campaign.done")}</Tag> : <Tag>{t("campaign.notDone")}</Tag>}
                {p.notes.map((n) => (
                  <Typography.Text key={n} type="secondary">
                    {n}
                  </Typography.Text>
                ))}
              </Space>
            ),
          },
        ]}
      />
      {run.files.length > 0 && (
        <div style={{ marginTop: 12 }}>
          <Typography.Title level={5}>{t("campaign.files")}</Typography.Title>
          <Space orientation="vertical" size={4}>
            {run.files.map((f) =>
              f.url ? (
                <Button key={`${f.schema}-${f.filename}`} icon={<DownloadOutlined />} href={f.url} download={f.filename}>
                  {t("campaign.file", { title: f.title, principal: f.principalName })}
                </Button>
              ) : (
                <Typography.Text key={`${f.schema}-${f.filename}`} type="secondary">
                  {t("campaign.file", { title: f.title, principal: f.principalName })}
                </Typography.Text>
              ),
            )}
          </Space>
        </div>
      )}
    </Card>
  );
}
