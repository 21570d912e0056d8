// The agent's collection campaigns: the list (rules in short, schedule, last run) and the campaign form — which
// debtors it picks (debt, months, months of norm, the п.118 threshold, principals, services, stages, those keeping
// an agreement) and what it does to them (warnings, reminders, call lists, claims, amnesty), run on demand or
// monthly on a day. The API's refusals land on their fields.
import { PlusOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Checkbox, DatePicker, Form, Input, InputNumber, Modal, Select, Space, Switch, Table, Tag } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import type { TFunction } from "i18next";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { graphql } from "../../gql";
import type { CampaignAction, CampaignSchedule, CollectionStage, ServiceKind } from "../../gql/graphql";
import { payload } from "../../shared/api";
import { STAGES } from "../../shared/collection";
import { formatMoney, formatMonth } from "../../shared/format";
import { applyErrors } from "../../shared/forms";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { labelOf, optionsOf } from "../../shared/labels";
import { QueryState } from "../../shared/QueryState";
import { type OfficeKey, SERVICE_KIND } from "../common";

export const CampaignsQuery = graphql(`
  query OfficeCampaigns {
    campaigns {
      id name actions schedule runDay active minDebt thresholdOnly
      principals { id name }
      runs { id month status }
    }
  }
`);

const PrincipalChoicesQuery = graphql(`
  query OfficeCampaignPrincipals {
    principals(first: 100) { nodes { id shortName } }
  }
`);

const CampaignCreateMutation = graphql(`
  mutation OfficeCampaignCreate($input: CampaignInput!) {
    campaignCreate(input: $input) { errors { field message code } campaign { id } }
  }
`);

const CampaignUpdateMutation = graphql(`
  mutation OfficeCampaignUpdate($id: ID!, $input: CampaignInput!) {
    campaignUpdate(id: $id, input: $input) { errors { field message code } campaign { id } }
  }
`);

export const CAMPAIGN_ACTION: Record<CampaignAction, OfficeKey> = {
  EPD_WARNING: "campaignAction.EPD_WARNING",
  LETTER_WARNING: "campaignAction.LETTER_WARNING",
  SMS: "campaignAction.SMS",
  EMAIL: "campaignAction.EMAIL",
  CALL_LIST: "campaignAction.CALL_LIST",
  CLAIM: "campaignAction.CLAIM",
  AMNESTY: "campaignAction.AMNESTY",
};

export const CAMPAIGN_SCHEDULE: Record<CampaignSchedule, OfficeKey> = {
  ON_DEMAND: "campaignSchedule.ON_DEMAND",
  MONTHLY: "campaignSchedule.MONTHLY",
};

export const CAMPAIGN_RUN_STATUS: Record<string, OfficeKey> = {
  QUEUED: "campaignRunStatus.QUEUED",
  RUNNING: "campaignRunStatus.RUNNING",
  DONE: "campaignRunStatus.DONE",
  FAILED: "campaignRunStatus.FAILED",
};

/** The campaign's schedule in words: «по запросу» or «ежемесячно, 5-го числа». */
export function scheduleText(t: TFunction<"office">, schedule: string, runDay?: number | null): string {
  return schedule === "MONTHLY" ? t("campaigns.monthlyOn", { day: runDay ?? "—" }) : t("campaignSchedule.ON_DEMAND");
}

export interface CampaignValues {
  name: string;
  description?: string;
  principalIds?: string[];
  minDebt?: string | null;
  minMonths?: number | null;
  minMonthsOfNorm?: string | null;
  thresholdOnly?: boolean;
  serviceKinds?: ServiceKind[];
  stages?: CollectionStage[];
  excludeKeptAgreement?: boolean;
  actions: CampaignAction[];
  amnestyPayBy?: Dayjs | string | null;
  schedule: CampaignSchedule;
  runDay?: number | null;
  active?: boolean;
}

const decimal = (v: string | number | null | undefined) =>
  v === null || v === undefined || v === "" ? null : String(v).replace(/\s/g, "").replace(",", ".");

/** The new campaign's form, or the campaign's (``id``) with its rules as ``initial``. */
export function CampaignFormModal({ id, initial, onClose, onSaved }: {
  id?: string;
  initial?: CampaignValues;
  onClose: () => void;
  onSaved?: (id: string) => void;
}) {
  const { t } = useTranslation("office");
  const { t: ts } = useTranslation("shared");
  const [form] = Form.useForm<CampaignValues>();
  const [error, setError] = useState<string | null>(null);
  const principals = useGql(PrincipalChoicesQuery);
  const create = useGqlMutation(CampaignCreateMutation, ["OfficeCampaigns"]);
  const update = useGqlMutation(CampaignUpdateMutation, ["OfficeCampaigns", "OfficeCampaign"]);
  const schedule = Form.useWatch("schedule", form);
  const actions = Form.useWatch("actions", form) ?? [];
  const submit = async (v: CampaignValues) => {
    setError(null);
    const input = {
      name: v.name,
      description: v.description ?? "",
      principalIds: v.principalIds ?? [],
      minDebt: decimal(v.minDebt) ?? "0",
      minMonths: v.minMonths ?? 0,
      minMonthsOfNorm: decimal(v.minMonthsOfNorm),
      thresholdOnly: !!v.thresholdOnly,
      serviceKinds: v.serviceKinds ?? [],
      stages: v.stages ?? [],
      excludeKeptAgreement: !!v.excludeKeptAgreement,
      actions: v.actions ?? [],
      amnestyPayBy: v.actions?.includes("AMNESTY") && v.amnestyPayBy ? dayjs(v.amnestyPayBy).format("YYYY-MM-DD") : null,
      schedule: v.schedule,
      runDay: v.schedule === "MONTHLY" ? (v.runDay ?? null) : null,
      active: v.active ?? true,
    };
    try {
      if (id) {
        payload(await update.mutateAsync({ id, input }));
        onSaved?.(id);
      } else {
        const made = payload(await create.mutateAsync({ input }));
        if (made.campaign) onSaved?.(made.campaign.id);
      }
      onClose();
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };
  const initialValues: CampaignValues = initial
    ? { ...initial, amnestyPayBy: initial.amnestyPayBy ? dayjs(initial.amnestyPayBy) : null }
    : {
        name: "",
        description: "",
        principalIds: [],
        minDebt: "0",
        minMonths: 0,
        minMonthsOfNorm: null,
        serviceKinds: [],
        stages: [],
        actions: ["EPD_WARNING"],
        amnestyPayBy: null,
        schedule: "ON_DEMAND",
        runDay: null,
        thresholdOnly: true,
        excludeKeptAgreement: true,
        active: true,
      };
  return (
    <Modal
      open
      width={760}
      title={id ? t("campaignForm.editTitle") : t("campaignForm.newTitle")}
      okText={t("common.save")}
      cancelText={t("common.cancel")}
      confirmLoading={create.isPending || update.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
    >
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 16 }} />}
      <Form form={form} name="campaign" layout="vertical" initialValues={initialValues} onFinish={submit}>
        <Form.Item name="name" label={t("campaignForm.name")} rules={[{ required: true, message: t("campaignForm.nameRequired") }]}>
          <Input />
        </Form.Item>
        <Form.Item name="description" label={t("campaignForm.description")}>
          <Input.TextArea rows={2} />
        </Form.Item>
        <Form.Item name="principalIds" label={t("campaignForm.principals")} extra={t("campaignForm.principalsHint")}>
          <Select
            mode="multiple"
            allowClear
            loading={principals.isLoading}
            placeholder={t("campaignForm.allPrincipals")}
            optionFilterProp="label"
            options={(principals.data?.principals.nodes ?? []).map((p) => ({ value: p.id, label: p.shortName }))}
          />
        </Form.Item>
        <Space wrap size="large" align="start">
          <Form.Item name="minDebt" label={t("campaignForm.minDebt")}>
            <InputNumber min="0" stringMode decimalSeparator="," style={{ width: 180 }} />
          </Form.Item>
          <Form.Item name="minMonths" label={t("campaignForm.minMonths")}>
            <InputNumber min={0} max={600} precision={0} style={{ width: 180 }} />
          </Form.Item>
          <Form.Item name="minMonthsOfNorm" label={t("campaignForm.minMonthsOfNorm")}>
            <InputNumber min="0" stringMode decimalSeparator="," style={{ width: 220 }} />
          </Form.Item>
        </Space>
        <Form.Item name="thresholdOnly" valuePropName="checked">
          <Checkbox>{t("campaignForm.thresholdOnly")}</Checkbox>
        </Form.Item>
        <Form.Item name="serviceKinds" label={t("campaignForm.serviceKinds")}>
          <Select mode="multiple" allowClear placeholder={t("campaignForm.anyService")} options={optionsOf(t, SERVICE_KIND)} />
        </Form.Item>
        <Form.Item name="stages" label={t("campaignForm.stages")}>
          <Select
            mode="multiple"
            allowClear
            placeholder={t("campaignForm.anyStage")}
            options={Object.entries(STAGES).map(([value, s]) => ({ value, label: ts(s.label) }))}
          />
        </Form.Item>
        <Form.Item name="excludeKeptAgreement" valuePropName="checked">
          <Checkbox>{t("campaignForm.excludeKeptAgreement")}</Checkbox>
        </Form.Item>
        <Form.Item name="actions" label={t("campaignForm.actions")} rules={[{ required: true, message: t("campaignForm.actionsRequired") }]}>
          <Checkbox.Group options={optionsOf(t, CAMPAIGN_ACTION)} />
        </Form.Item>
        {actions.includes("AMNESTY") && (
          <Form.Item name="amnestyPayBy" label={t("campaignForm.amnestyPayBy")}>
            <DatePicker format="DD.MM.YYYY" />
          </Form.Item>
        )}
        <Space wrap size="large" align="start">
          <Form.Item name="schedule" label={t("campaignForm.schedule")}>
            <Select style={{ width: 220 }} options={optionsOf(t, CAMPAIGN_SCHEDULE)} />
          </Form.Item>
          {schedule === "MONTHLY" && (
            <Form.Item name="runDay" label={t("campaignForm.runDay")}>
              <InputNumber min={1} max={28} precision={0} />
            </Form.Item>
          )}
          <Form.Item name="active" label={t("campaignForm.active")} valuePropName="checked">
            <Switch />
          </Form.Item>
        </Space>
      </Form>
    </Modal>
  );
}

/** The campaigns, newest first, with a button for a new one. */
export function CampaignsCard() {
  const { t } = useTranslation("office");
  const q = useGql(CampaignsQuery);
  const navigate = useNavigate();
  const [creating, setCreating] = useState(false);
  return (
    <Card
      title={t("campaigns.title")}
      extra={
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
          {t("campaigns.add")}
        </Button>
      }
    >
      <QueryState loading={q.isLoading} error={q.error} retry={() => q.refetch()}>
        <Table
          rowKey="id"
          size="small"
          pagination={false}
          scroll={{ x: true }}
          dataSource={q.data?.campaigns ?? []}
          locale={{ emptyText: t("campaigns.empty") }}
          columns={[
            {
              title: t("campaigns.name"),
              dataIndex: "name",
              render: (v: string, r) => <Link to={`/collection/campaigns/${r.id}`}>{v}</Link>,
            },
            {
              title: t("campaigns.principals"),
              dataIndex: "principals",
              render: (ps: { id: string; name: string }[]) => (ps.length ? ps.map((p) => p.name).join(", ") : t("campaigns.allPrincipals")),
            },
            {
              title: t("campaigns.actions"),
              dataIndex: "actions",
              render: (actions: string[]) => (
                <Space size={4} wrap>
                  {actions.map((a) => (
                    <Tag key={a}>{labelOf(t, CAMPAIGN_ACTION, a)}</Tag>
                  ))}
                </Space>
              ),
            },
            { title: t("campaignForm.minDebt"), dataIndex: "minDebt", align: "right", render: formatMoney },
            { title: t("campaigns.schedule"), render: (_v, r) => scheduleText(t, r.schedule, r.runDay) },
            {
              title: t("campaigns.lastRun"),
              render: (_v, r) =>
                r.runs[0] ? `${formatMonth(r.runs[0].month)} — ${labelOf(t, CAMPAIGN_RUN_STATUS, r.runs[0].status)}` : "—",
            },
            {
              title: t("common.status"),
              dataIndex: "active",
              render: (active: boolean) =>
                active ? <Tag color="green">{t("campaigns.active")}</Tag> : <Tag>{t("campaigns.inactive")}</Tag>,
            },
          ]}
        />
      </QueryState>
      {creating && (
        <CampaignFormModal onClose={() => setCreating(false)} onSaved={(id) => navigate(`/collection/campaigns/${id}`)} />
      )}
    </Card>
  );
}
